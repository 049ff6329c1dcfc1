import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The legal pages live at stable URLs (footer, e-mails, the CGV an order
# accepted): slug -> URL name.
LEGAL_PAGE_URLS = {
    "cgv": "cms:terms",
    "mentions-legales": "cms:legal_notice",
    "confidentialite": "cms:privacy",
    "cookies": "cms:cookies",
}


class Page(models.Model):
    """Editorial content (the legacy `pages`): legal pages, blog posts, help,
    landing blocks. The content is Markdown, rendered and sanitised on
    display. Rows are written through the admin and cms.services."""

    class Type(models.TextChoices):
        PAGE = "PAGE", _("Page")
        FAQ = "FAQ", _("FAQ")
        BLOG = "BLOG", _("Article de blog")
        LEGAL = "LEGAL", _("Page légale")
        HELP = "HELP", _("Aide")
        LANDING = "LANDING", _("Accueil")

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Brouillon")
        PUBLISHED = "PUBLISHED", _("Publiée")
        ARCHIVED = "ARCHIVED", _("Archivée")
        SCHEDULED = "SCHEDULED", _("Programmée")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("titre"), max_length=255)
    slug = models.SlugField(_("adresse"), max_length=255, unique=True)
    content = models.TextField(_("contenu (Markdown)"))
    excerpt = models.TextField(_("résumé"), blank=True)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.PAGE)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    meta_title = models.CharField(_("titre SEO"), max_length=255, blank=True)
    meta_description = models.TextField(_("description SEO"), blank=True)
    meta_keywords = models.TextField(_("mots-clés SEO"), blank=True)
    category = models.CharField(_("catégorie"), max_length=100, blank=True)
    tags = models.CharField(_("étiquettes"), max_length=500, blank=True, help_text=_("Séparées par des virgules."))
    sort_order = models.IntegerField(_("ordre d'affichage"), default=0)
    is_public = models.BooleanField(_("visible publiquement"), default=True)
    require_auth = models.BooleanField(_("connexion requise"), default=False)
    # For SCHEDULED pages, the moment they go live; for published ones, when they did.
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["sort_order", "title"]
        indexes = [
            models.Index(fields=["type", "status", "-published_at"], name="pages_type_status_idx"),
            models.Index(fields=["status", "published_at"], name="pages_status_pub_idx"),
            models.Index(fields=["category"], name="pages_category_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.slug in LEGAL_PAGE_URLS:
            return reverse(LEGAL_PAGE_URLS[self.slug])
        if self.type == self.Type.BLOG:
            return reverse("cms:blog_post", args=[self.slug])
        return reverse("cms:page", args=[self.slug])

    @property
    def is_live(self):
        """Published, or scheduled and its moment has come (visible at once,
        without waiting for the beat task that flips its status)."""
        if self.status == self.Status.PUBLISHED:
            return True
        return self.status == self.Status.SCHEDULED and self.published_at is not None \
            and self.published_at <= timezone.now()


class PageRevision(models.Model):
    """A published version of a page, kept for ever: an order records the CGV
    revision its client accepted, and that text stays readable after a new
    version is published."""

    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("page"))
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("titre"), max_length=255)
    content = models.TextField(_("contenu (Markdown)"))
    published_at = models.DateTimeField(_("publiée le"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("publiée par"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("version de page")
        verbose_name_plural = _("versions des pages")
        ordering = ["page", "-number"]
        constraints = [models.UniqueConstraint(fields=["page", "number"], name="page_revisions_unique_number")]

    def __str__(self):
        return f"{self.title} — v{self.number}"


class FAQ(models.Model):
    """A question and its answer (the legacy `faqs`)."""

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    question = models.TextField(_("question"))
    answer = models.TextField(_("réponse (Markdown)"))
    details = models.TextField(_("détails"), blank=True)
    category = models.CharField(_("catégorie"), max_length=100)
    order = models.IntegerField(_("ordre"), default=0)
    visible = models.BooleanField(_("visible"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("question fréquente")
        verbose_name_plural = _("questions fréquentes")
        ordering = ["category", "order", "created_at"]
        indexes = [models.Index(fields=["visible", "category", "order"], name="faqs_visible_idx")]

    def __str__(self):
        return self.question[:80]


class Testimonial(models.Model):
    """A client's word shown on the landing page."""

    author_name = models.CharField(_("auteur"), max_length=150)
    author_detail = models.CharField(_("précision"), max_length=150, blank=True, help_text=_("« Romancière, Lyon »"))
    quote = models.TextField(_("témoignage"))
    rating = models.PositiveSmallIntegerField(_("note (1–5)"), default=5)
    order = models.IntegerField(_("ordre"), default=0)
    visible = models.BooleanField(_("visible"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("témoignage")
        verbose_name_plural = _("témoignages")
        ordering = ["order", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="testimonials_rating_1_to_5"),
        ]

    def __str__(self):
        return self.author_name
