// Relais pages: small behaviours on top of server-rendered HTML. Every page works without
// this script; it only makes forms kinder to use.

// After a refused form, put the keyboard (and a screen reader's attention) on the first field
// in error, or on the message about the whole form.
function focusFirstError() {
  const field = document.querySelector('[aria-invalid="true"]');
  if (field) {
    field.focus();
    return;
  }
  const alert = document.getElementById('form-error');
  if (alert) {
    alert.setAttribute('tabindex', '-1');
    alert.focus();
  }
}

// A form sent twice by an impatient double click would be refused the second time (a code is
// single-use): disable its button once it is on its way.
function guardDoubleSubmit() {
  for (const form of document.querySelectorAll('form[method="post"]')) {
    form.addEventListener('submit', () => {
      for (const button of form.querySelectorAll('button[type="submit"]')) {
        // Let the clicked button's name/value go with the form before disabling it.
        setTimeout(() => { button.disabled = true; }, 0);
      }
    });
  }
}

focusFirstError();
guardDoubleSubmit();
