"""The static files' storage: hashed, compressed names once collectstatic has run."""
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's manifest storage (file names with their content's hash, .gz and .br
    copies), except that without a manifest (collectstatic never ran: a first start, a
    benchmark's fresh directory) `{% static %}` gives the plain name, which whitenoise
    serves from static/ (WHITENOISE_USE_FINDERS), instead of failing every page."""

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
