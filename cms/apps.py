from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Contenus")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.public_cache import public_cache_bump
        from core.registry import register_demo_seeder, register_terms_provider

        from .defaults import load_default_content
        from .models import FAQ, Page, PageRevision, Testimonial
        from .selectors import current_terms_revision

        # What the public pages show from the cache changes with these rows (core.public_cache).
        for model in (Page, PageRevision, FAQ, Testimonial):
            post_save.connect(public_cache_bump, sender=model, dispatch_uid=f"cms.public_cache.{model.__name__}")
            post_delete.connect(public_cache_bump, sender=model,
                                dispatch_uid=f"cms.public_cache.{model.__name__}.delete")

        register_terms_provider("cms", current_terms_revision)
        register_demo_seeder("cms", load_default_content)
