from django import forms

from scraping.models import ScrapeSource, url_validator


class HostUrlField(forms.URLField):
    """A URL field that also takes single-label hosts ("http://nas/photos")."""

    default_validators = [url_validator]


class SourceForm(forms.ModelForm[ScrapeSource]):
    url = HostUrlField(
        label="Page address",
        max_length=2000,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/photos/"}),
    )

    class Meta:
        model = ScrapeSource
        fields = ["url", "scope", "max_depth", "max_pages", "min_width", "min_height", "schedule"]
        labels = {
            "max_depth": "Link depth",
            "max_pages": "Page limit",
            "min_width": "Minimum width (px)",
            "min_height": "Minimum height (px)",
        }
        help_texts = {
            "max_depth": "How many links away from the start page (whole site only).",
            "schedule": "Import again automatically.",
        }

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Only http and https addresses can be imported.")
        return url

    def clean_max_depth(self) -> int:
        depth: int = self.cleaned_data["max_depth"]
        return min(depth, 5)

    def clean_max_pages(self) -> int:
        pages: int = self.cleaned_data["max_pages"]
        return min(max(pages, 1), 200)
