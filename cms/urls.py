from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .sitemaps import SITEMAPS

app_name = "cms"
urlpatterns = [
    path("pages/<slug:slug>/", views.page_detail, name="page"),
    path("blog/", views.blog, name="blog"),
    path("blog/<slug:slug>/", views.blog_post, name="blog_post"),
    path("faq/", views.faq, name="faq"),
    path("cgv/", views.terms, name="terms"),
    path("cgv/version/<int:number>/", views.terms_version, name="terms_version"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("cookies/", views.cookies, name="cookies"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
