import factory

from accounts.tests.factories import UserFactory
from files.models import StoredFile
from files.services import stored_file_create

from .samples import pdf_bytes, upload


class StoredFileFactory(factory.django.DjangoModelFactory):
    """A real stored file: a small PDF that went through the upload service.

    ``StoredFileFactory(content=..., original_name=..., allowed=..., order=...)``:
    anything else is passed on to ``stored_file_create``.
    """

    class Meta:
        model = StoredFile

    uploaded_by = factory.SubFactory(UserFactory)
    role = StoredFile.Role.MANUSCRIPT
    original_name = factory.Sequence(lambda n: f"Manuscrit {n}.pdf")
    content = factory.LazyFunction(pdf_bytes)

    @classmethod
    def _create(cls, model_class, *, original_name, content, **kwargs):
        return stored_file_create(uploaded_file=upload(original_name, content, "application/pdf"), **kwargs)
