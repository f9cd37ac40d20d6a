// GOV.UK Frontend's components, as progressive enhancement: without JavaScript (or on a
// browser without ES modules) every page works as plain HTML. Their CSS for the enhanced
// state applies only once the body says so.
import { initAll } from '/static/govuk-frontend.min.js';

document.body.classList.add('govuk-frontend-supported');
initAll();
