from crispy_forms.helper import FormHelper


def fields_only_helper() -> FormHelper:
    """crispy renders the fields; the template writes the <form> tag and its {% csrf_token %}."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper
