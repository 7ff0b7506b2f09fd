// linkhub operator console: the copy button of the auth-link page. Progressive
// enhancement only: without this script the button stays hidden and the link, in a
// read-only field, can be selected and copied by hand.
(() => {
  'use strict';
  for (const button of document.querySelectorAll('button[data-copy-target]')) {
    const field = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus || '');
    if (!(field instanceof HTMLInputElement)) continue;
    const say = (text) => { if (status) status.textContent = text; };
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        say('Link copied to the clipboard.');
      } catch (_) {
        // No clipboard access (an insecure origin or a refused permission): select it.
        field.focus();
        field.select();
        say('Copy the selected link with Ctrl+C (⌘C on a Mac).');
      }
    });
  }
})();
