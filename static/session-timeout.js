// The GOV.UK timeout warning, as progressive enhancement: two minutes before the idle
// timeout a dialog offers to stay signed in (a request that renews the sign-in). When the
// time is up it says so and stays out of the way: the page keeps what was typed, and a
// save then is kept on the server until the user signs in again. Without JavaScript the
// account bar says when the sign-in ends.
(() => {
  const notice = document.getElementById('session-timeout');
  const dialog = document.getElementById('timeout-dialog');
  if (!notice || !dialog || typeof dialog.showModal !== 'function') return;
  const WARNING_MS = 2 * 60 * 1000;
  const form = dialog.querySelector('form');
  const stay = document.getElementById('timeout-stay');
  let endsAt = Date.parse(notice.dataset.endsAt);
  let timers = [];
  let expired = false;

  const localTime = (ms) => new Date(ms).toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' });
  const showEnd = () => {
    const text = notice.textContent;
    // The server wrote the time in UTC; the reader's own clock is friendlier.
    notice.textContent = text.replace(/\d{1,2}[:.h]\d{2}(\s*(UTC|GMT))?/, localTime(endsAt));
  };

  function schedule() {
    timers.forEach(clearTimeout);
    const now = Date.now();
    timers = [setTimeout(warn, Math.max(0, endsAt - WARNING_MS - now)), setTimeout(expire, Math.max(0, endsAt - now))];
    showEnd();
  }

  function warn() {
    if (!dialog.open) dialog.showModal();
    stay.focus();
  }

  function expire() {
    expired = true;
    document.getElementById('timeout-dialog-title').textContent = dialog.dataset.expiredTitle;
    document.getElementById('timeout-dialog-text').textContent = dialog.dataset.expiredText;
    stay.textContent = 'OK';
    if (!dialog.open) dialog.showModal();
  }

  async function keepAlive() {
    const response = await fetch(form.action, {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!response.ok) throw new Error(String(response.status));
    endsAt = Date.parse((await response.json()).endsAt);
    schedule();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    dialog.close();
    // After the timeout there is nothing to renew: the next save keeps what was typed.
    if (!expired) keepAlive().catch(() => form.submit());
  });
  // Escape closes the warning; it counts as "stay signed in".
  dialog.addEventListener('cancel', () => {
    if (!expired) keepAlive().catch(() => undefined);
  });
  schedule();
})();
