import factory
from django.utils import timezone

from cms.models import FAQ, Page, Testimonial


class PageFactory(factory.django.DjangoModelFactory):
    """A live public page (set status/published_at for the other cases)."""

    class Meta:
        model = Page

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    content = "## Bienvenue\n\nUn **texte** de page."
    excerpt = "Un texte de page."
    type = Page.Type.PAGE
    status = Page.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class BlogPostFactory(PageFactory):
    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    type = Page.Type.BLOG


class FAQFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQ

    question = factory.Sequence(lambda n: f"Question {n} ?")
    answer = "Une **réponse**."
    category = "Commande"


class TestimonialFactory(factory.django.DjangoModelFactory):
    __test__ = False  # named "Test…": pytest must not collect it as a test class

    class Meta:
        model = Testimonial

    author_name = factory.Sequence(lambda n: f"Autrice {n}")
    quote = "Un travail remarquable."
