// The gate of tests/browser/site/late-login.html, as phishing kits put one before their login
// form (a "captcha"): once it is passed, the page fetches the form (the corpus's PayPal
// lookalike) and draws it in place of the gate, under a new address. The tests click the button.
document.getElementById('human').addEventListener('click', async () => {
  const html = await (await fetch('/late-login/form')).text();
  const page = new DOMParser().parseFromString(html, 'text/html');
  history.pushState({}, '', '/late-login/signin');
  document.title = page.title;
  document.body.replaceWith(document.adoptNode(page.body));
});
