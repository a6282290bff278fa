"""Template loaders that sort templates by kind, so each engine renders only its own.

`*.txt` templates are plain text (e-mail subjects and bodies, search documents): the "text"
engine renders them without HTML escaping, or an e-mail would read "customer&#x27;s". Every
other template goes to the HTML engine, which escapes as usual. Callers need do nothing:
`render_to_string("x.txt")` finds its template in the text engine only.
"""

from django.template.loaders import app_directories, filesystem

TEXT_SUFFIX = ".txt"


class _KindLoader:
    text = False

    def get_template_sources(self, template_name):
        if template_name.endswith(TEXT_SUFFIX) == self.text:
            yield from super().get_template_sources(template_name)


class HtmlFilesystemLoader(_KindLoader, filesystem.Loader):
    pass


class HtmlAppDirectoriesLoader(_KindLoader, app_directories.Loader):
    pass


class TextFilesystemLoader(_KindLoader, filesystem.Loader):
    text = True


class TextAppDirectoriesLoader(_KindLoader, app_directories.Loader):
    text = True
