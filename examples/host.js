// The example host page's own script: opens linkhub as a modal or inline and shows its events.
// The token can be passed in this page's fragment (#token=…) by `cargo xtask demo`.
(() => {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has('token')) {
    document.getElementById('token').value = params.get('token');
    history.replaceState(null, '', location.pathname + location.search);
  }
  const hubScript = document.querySelector('script[data-linkhub]');
  document.getElementById('hub-url').value = params.get('hub') || new URL(hubScript.src, location.href).origin;

  const events = document.getElementById('events');
  const result = document.getElementById('result');
  const options = () => ({
    token: document.getElementById('token').value.trim(),
    hubUrl: document.getElementById('hub-url').value.trim(),
    onEvent(ev) {
      const li = document.createElement('li');
      li.textContent = `${ev.timestamp} ${ev.name}${ev.provider ? ` ${ev.provider}` : ''}${ev.account_id ? ` ${ev.account_id}` : ''}`;
      events.appendChild(li);
    },
    onSuccess(account) {
      result.textContent = `Linked ${account.provider} account ${account.accountId}`;
      result.dataset.accountId = account.accountId;
    },
    onClose() {
      result.dataset.closed = 'true';
    },
  });
  document.getElementById('open-modal').addEventListener('click', () => {
    window.LinkHub.open(options());
  });
  document.getElementById('mount-inline').addEventListener('click', () => {
    window.LinkHub.mount(document.getElementById('inline-hub'), options());
  });
})();
