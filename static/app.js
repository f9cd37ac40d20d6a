// GOV.UK Frontend's components, as progressive enhancement: without JavaScript (or on a
// browser without ES modules) every page works as plain HTML. Their CSS for the enhanced
// state applies only once the body says so.
import { initAll } from '/static/govuk-frontend.min.js';

document.body.classList.add('govuk-frontend-supported');
initAll();

// A form that links to pages beside it (the progress section's pages) asks before a link
// leaves what was typed unsaved; its own buttons save it, and never ask.
for (const form of document.querySelectorAll('form[data-unsaved-warning]')) {
  let typed = false;
  form.addEventListener('input', () => {
    typed = true;
  });
  form.addEventListener('submit', () => {
    typed = false;
  });
  window.addEventListener('beforeunload', (event) => {
    if (typed) event.preventDefault();
  });
}
