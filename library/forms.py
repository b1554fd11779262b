from django import forms


class AttachForm(forms.Form):
    owner_email = forms.EmailField(label="User's email")
    path = forms.CharField(
        max_length=1000, label="Folder on the server", help_text="An absolute path under a root."
    )
