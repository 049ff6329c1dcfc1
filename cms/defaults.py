"""The content a new site starts with: legal pages, FAQ, two blog posts,
testimonials. ``load_default_content()`` creates only what is missing (a
page by its slug, an FAQ entry by its question, a testimonial by its
author), so it can run on every deployment (``setup``) and in ``seed_demo``;
what staff changed is never overwritten.

The legal texts take the seller's details, the VAT rule and every delay
from the settings that enforce them, as they are when the page is first
written; staff edit the pages in the admin after that (each publication is
a new version).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from files.validation import MANUSCRIPT_KINDS, accepted_types_label

from .models import FAQ, Page, Testimonial
from .services import page_publish


def _seller():
    seller = settings.SELLER
    return {
        **seller,
        "address_line": ", ".join(line.strip() for line in seller["address"].splitlines() if line.strip()),
    }


def _vat_sentence():
    if settings.VAT_EXEMPT:
        return "TVA non applicable, article 293 B du Code général des impôts."
    rate = format(settings.VAT_RATE.normalize(), "f").replace(".", ",")
    return f"Les prix sont indiqués en euros toutes taxes comprises (TVA au taux de {rate} % incluse)."


def _terms():
    seller = _seller()
    pricing, billing, site = reverse("orders:pricing"), reverse("billing:home"), settings.SITE_NAME
    return f"""Les présentes conditions générales de vente (CGV) s'appliquent à toute commande passée sur le site
{site}, édité par {seller["name"]} ({seller["address_line"]}, SIRET {seller["siret"]}), ci-après « nous ».
Passer commande vaut acceptation des CGV en vigueur ce jour-là ; la version acceptée est enregistrée avec la
commande et reste consultable sur cette page.

## 1. Nos services

Nous proposons la correction (orthographe, grammaire, typographie, style selon la formule choisie) et la mise
en page de manuscrits. Le contenu de chaque service, son délai indicatif et son prix sont décrits sur la page
[Tarifs]({pricing}). Le travail est réalisé par un correcteur professionnel désigné par nos soins.

## 2. Prix

Les prix applicables sont ceux affichés sur la page [Tarifs]({pricing}) au moment de la commande ; le prix de
votre commande est calculé par le site à partir du service choisi et du nombre de pages, et affiché avant le
paiement. {_vat_sentence()} Pour certains services, le nombre de pages est vérifié par notre équipe, qui vous
adresse alors un devis définitif : la commande n'est due qu'après votre acceptation de ce devis.

## 3. Commande et paiement

Vous commandez depuis votre espace client : choix du service, envoi du manuscrit, récapitulatif, acceptation
des présentes CGV, puis paiement. Le paiement se fait par carte bancaire, en ligne, par l'intermédiaire de
notre prestataire de paiement sécurisé ; nous ne conservons jamais le numéro de votre carte. La commande est
ferme à la confirmation du paiement, qui vous est notifiée. Votre facture est disponible dans
[Mes factures]({billing}).

## 4. Réalisation et livraison

Le travail commence après le paiement. Les fichiers corrigés sont livrés dans votre espace client, où vous
êtes prévenu de leur arrivée. À réception, vous acceptez la livraison ou demandez des retouches :
{settings.ORDER_INCLUDED_REVISIONS} demande(s) de retouche sont comprises dans le prix. Sans réponse de votre
part {settings.ORDER_AUTO_FINISH_DAYS} jours après la livraison, celle-ci est réputée acceptée.

Vos manuscrits restent confidentiels : seuls le correcteur chargé de votre commande et notre équipe y
accèdent. Leurs fichiers sont effacés {settings.ORDER_FILE_RETENTION_DAYS} jours après la fin de la commande.
Vous conservez l'intégralité de vos droits d'auteur sur votre texte.

## 5. Droit de rétractation

Si vous êtes un consommateur, vous disposez d'un délai de quatorze jours à compter de la commande pour vous
rétracter sans avoir à vous justifier (article L221-18 du Code de la consommation), en nous écrivant à
{settings.SUPPORT_EMAIL}. Nous vous remboursons alors dans les quatorze jours, par le moyen de paiement utilisé.

Si vous demandez expressément que la prestation commence avant la fin de ce délai, vous restez libre de vous
rétracter, mais vous devez le montant correspondant au travail déjà réalisé (article L221-25). Le droit de
rétractation ne peut plus être exercé lorsque la prestation a été pleinement exécutée avant la fin du délai,
si son exécution a commencé après votre accord préalable exprès et votre renoncement exprès à ce droit
(article L221-28, 1°).

## 6. Responsabilité

Nous nous engageons à réaliser les prestations avec soin, selon les règles de l'art : il s'agit d'une
obligation de moyens. Vous restez seul responsable du contenu de votre manuscrit. Notre responsabilité ne
saurait être engagée pour un dommage indirect, ni au-delà du prix payé pour la commande concernée, sauf faute
lourde ou dolosive et sous réserve des droits que la loi reconnaît aux consommateurs.

## 7. Réclamations et médiation

Pour toute réclamation, écrivez-nous à {settings.SUPPORT_EMAIL} ; nous vous répondons rapidement. Si le
désaccord persiste, vous pouvez recourir gratuitement au médiateur de la consommation dont nous relevons :
{settings.LEGAL["mediator"]} (articles L611-1 et suivants du Code de la consommation), dans l'année qui suit
votre réclamation écrite.

## 8. Droit applicable

Les présentes CGV sont soumises au droit français. À défaut d'accord amiable, le litige est porté devant les
juridictions compétentes ; le consommateur peut saisir, à son choix, la juridiction du lieu où il demeurait
au moment de la commande.
"""


def _legal_notice():
    seller = _seller()
    vat = "" if settings.VAT_EXEMPT else f"\n- Numéro de TVA intracommunautaire : {seller['vat_number']}"
    return f"""## Éditeur du site

- {seller["name"]}
- Adresse : {seller["address_line"]}
- SIRET : {seller["siret"]}{vat}
- Contact : {settings.SUPPORT_EMAIL}
- Directeur de la publication : {settings.LEGAL["publication_director"]}

## Hébergement

{settings.LEGAL["hosting_provider"]}

## Propriété intellectuelle

Les textes, la charte graphique et le logo du site {settings.SITE_NAME} sont protégés ; toute reproduction
sans autorisation est interdite. Les manuscrits que vous nous confiez restent votre propriété.

## Données personnelles et cookies

Voir notre [politique de confidentialité]({reverse("cms:privacy")}) et notre
[page sur les cookies]({reverse("cms:cookies")}).
"""


def _privacy():
    seller = _seller()
    profile, export, delete = (reverse("accounts:profile"), reverse("accounts:export_data"),
                               reverse("accounts:delete"))
    return f"""Cette politique explique quelles données personnelles {settings.SITE_NAME} traite, pourquoi,
combien de temps, et comment exercer vos droits (règlement général sur la protection des données, RGPD, et
loi Informatique et Libertés).

## Responsable du traitement

{seller["name"]}, {seller["address_line"]} — contact : {settings.SUPPORT_EMAIL}.

## Données collectées

- **Votre compte** : nom, prénom, adresse e-mail, mot de passe (conservé sous forme chiffrée, jamais en clair),
  téléphone et adresse postale si vous les indiquez, photo de profil facultative.
- **Vos commandes** : service choisi, manuscrits et fichiers corrigés, échanges avec le correcteur et l'équipe,
  avis laissés.
- **Paiement et facturation** : adresse de facturation et factures. Le paiement par carte est traité par notre
  prestataire de paiement ; nous ne conservons que la marque, les quatre derniers chiffres et la date
  d'expiration d'une carte que vous choisissez d'enregistrer.
- **Sécurité** : adresse IP et tentatives de connexion, pour protéger les comptes contre les abus.

## Pourquoi nous les traitons

- exécuter vos commandes et le contrat qui nous lie (base : le contrat) ;
- établir et conserver les factures (base : obligation légale) ;
- vous informer de l'avancement de vos commandes, selon vos préférences de notification (base : le contrat) ;
- sécuriser le site et prévenir la fraude (base : notre intérêt légitime).

Nous ne vendons pas vos données et ne les utilisons pas à des fins publicitaires.

## Qui y a accès

Notre équipe ; le correcteur chargé de votre commande, pour cette commande seulement ; nos prestataires
techniques (hébergement, envoi d'e-mails, paiement), qui agissent sur nos instructions.

## Combien de temps nous les gardons

- **Compte** : tant qu'il est ouvert ; à sa suppression, vos données sont effacées ou anonymisées.
- **Manuscrits et fichiers corrigés** : effacés {settings.ORDER_FILE_RETENTION_DAYS} jours après la fin de la
  commande.
- **Factures** : 10 ans, comme l'exige le Code de commerce (article L123-22), même après la suppression du
  compte ; elles sont alors détachées de votre profil.

## Vos droits

Vous disposez des droits d'accès, de rectification, d'effacement, de limitation, d'opposition et de
portabilité de vos données. Depuis votre [profil]({profile}), vous pouvez à tout moment les corriger,
[télécharger toutes vos données]({export}) dans un fichier, ou [supprimer votre compte]({delete}). Pour toute
autre demande, écrivez à {settings.SUPPORT_EMAIL}. Si vous estimez que vos droits ne sont pas respectés, vous
pouvez adresser une réclamation à la CNIL (www.cnil.fr).

## Cookies

Voir notre [page sur les cookies]({reverse("cms:cookies")}).
"""


def _cookies():
    session_days = settings.SESSION_COOKIE_AGE // 86400
    csrf_days = settings.CSRF_COOKIE_AGE // 86400
    return f"""{settings.SITE_NAME} n'utilise que les cookies strictement nécessaires à son fonctionnement. Ils
sont exemptés de consentement (article 82 de la loi Informatique et Libertés) : c'est pourquoi aucun bandeau ne
vous le demande.

| Cookie | À quoi il sert | Durée |
|---|---|---|
| `{settings.SESSION_COOKIE_NAME}` | garder votre connexion ouverte d'une page à l'autre | {session_days} jours au plus |
| `{settings.CSRF_COOKIE_NAME}` | protéger vos formulaires contre les envois frauduleux | {csrf_days} jours au plus |
| `messages` | afficher un message de confirmation après une action | le temps de l'afficher |

Aucun cookie de mesure d'audience, de publicité ou de réseau social n'est déposé, et le site ne charge aucun
contenu de tiers. Vous pouvez effacer ces cookies depuis votre navigateur ; vous serez alors déconnecté.
"""


def _legal_pages():
    return [
        {"slug": "cgv", "title": "Conditions générales de vente", "content": _terms(),
         "excerpt": "Services, prix, commande et paiement, livraison, rétractation, responsabilité, médiation."},
        {"slug": "mentions-legales", "title": "Mentions légales", "content": _legal_notice(),
         "excerpt": f"Éditeur, hébergeur et propriété intellectuelle du site {settings.SITE_NAME}."},
        {"slug": "confidentialite", "title": "Politique de confidentialité", "content": _privacy(),
         "excerpt": "Les données personnelles que nous traitons, pourquoi, combien de temps, et vos droits."},
        {"slug": "cookies", "title": "Cookies", "content": _cookies(),
         "excerpt": "Seuls des cookies strictement nécessaires : aucun suivi, aucune publicité."},
    ]


BLOG_POSTS = [
    {
        "slug": "relire-son-manuscrit-avant-correction",
        "title": "Relire son manuscrit avant de l'envoyer en correction",
        "category": "Conseils d'écriture",
        "days_ago": 21,
        "excerpt": "Cinq passes simples qui rendent la correction professionnelle plus efficace.",
        "content": """Une correction professionnelle donne le meilleur d'elle-même sur un texte déjà stabilisé.
Avant de nous confier votre manuscrit, cinq passes suffisent.

## 1. Laisser reposer

Une à deux semaines sans ouvrir le fichier : vous relirez avec les yeux d'un lecteur, pas ceux de l'auteur.

## 2. Relire à voix haute

Les phrases trop longues, les répétitions et les dialogues qui sonnent faux s'entendent mieux qu'ils ne se
lisent.

## 3. Vérifier la cohérence

Noms des personnages, dates, lieux : une fiche par personnage évite bien des allers-retours.

## 4. Harmoniser la présentation

- une seule police, une seule taille ;
- des titres de chapitre homogènes ;
- pas de mise en page « à la main » avec des espaces.

## 5. Envoyer la version définitive

Corriger un texte que vous réécrivez ensuite, c'est payer deux fois. Envoyez la version que vous considérez
comme terminée.
""",
    },
    {
        "slug": "choisir-son-service",
        "title": "Correction, mise en forme, rédaction : que choisir ?",
        "category": "Nos services",
        "days_ago": 7,
        "excerpt": "Ce que fait chaque service, et comment choisir celui dont votre manuscrit a besoin.",
        "content": """Les mots se ressemblent, les prestations non.

| Service | Ce que nous faisons | Pour qui |
|---|---|---|
| Correction | orthographe, grammaire, ponctuation, typographie ; le style selon la formule | tout manuscrit avant publication |
| Mise en forme | un fichier prêt à imprimer ou à publier en numérique | l'autoédition |
| Rédaction | un accompagnement de l'écriture, du plan au texte final | un projet à écrire à deux |

Le prix dépend du service et du nombre de pages : la page [Tarifs]({pricing}) le calcule pour votre
manuscrit, avant toute commande.

> Un doute ? Posez-nous la question : nous vous orientons vers le service adapté, sans engagement.
""",
    },
]

FAQS = [
    # The seed's three entries.
    ("Commande", 1, "Comment passer commande ?",
     "Choisissez un service sur la page [Tarifs]({pricing}), envoyez votre manuscrit, vérifiez le récapitulatif "
     "puis payez par carte. Vous suivez ensuite l'avancement depuis votre espace."),
    ("Correction", 1, "Quels sont les délais de correction ?",
     "Le délai indicatif de chaque service est affiché sur la page [Tarifs]({pricing}) et rappelé sur votre "
     "commande. Il court à partir du paiement."),
    ("Paiement", 1, "Quels moyens de paiement acceptez-vous ?",
     "Le paiement se fait par carte bancaire, en ligne et de façon sécurisée. Vous pouvez enregistrer une carte "
     "pour vos prochaines commandes."),
    # Eight more.
    ("Commande", 2, "Quels formats de fichier puis-je envoyer ?",
     "{formats}. Pour une correction, préférez un fichier "
     "modifiable : le correcteur y travaille en mode révision."),
    ("Commande", 3, "Comment est compté le nombre de pages ?",
     "Une page correspond à un nombre fixe de mots, indiqué sur la page [Tarifs]({pricing}). Pour certains "
     "services, notre équipe vérifie le décompte et vous envoie un devis définitif avant paiement."),
    ("Paiement", 2, "Quand suis-je débité ?",
     "Au moment où vous payez la commande. Si un devis est nécessaire, vous ne payez qu'après l'avoir accepté."),
    ("Paiement", 3, "Où trouver ma facture ?",
     "Dans **Mes factures**, dès la confirmation du paiement. Chaque facture se télécharge en PDF."),
    ("Correction", 2, "Qui corrige mon manuscrit ?",
     "Un correcteur professionnel de notre équipe, désigné pour votre commande. Vous échangez avec lui par la "
     "messagerie de votre commande."),
    ("Correction", 3, "Et si la correction ne me convient pas ?",
     "À la livraison, vous pouvez demander des retouches : elles sont comprises dans le prix, dans la limite "
     "indiquée dans nos [CGV]({terms})."),
    ("Compte", 1, "Mes manuscrits restent-ils confidentiels ?",
     "Oui. Seuls le correcteur de votre commande et notre équipe y ont accès, et les fichiers sont effacés après "
     "la fin de la commande. Voir notre [politique de confidentialité]({privacy})."),
    ("Compte", 2, "Comment supprimer mon compte ou récupérer mes données ?",
     "Depuis **Mon profil** : vous pouvez télécharger toutes vos données ou supprimer votre compte. Vos factures "
     "sont conservées dix ans, comme la loi l'exige."),
]

TESTIMONIALS = [
    ("Claire Dubois", "Romancière, Lyon", 5, "Une correction fine et respectueuse de ma voix. Mon roman est parti "
     "chez l'imprimeur l'esprit tranquille."),
    ("Marc Lefèvre", "Auteur de polars, Nantes", 5, "Des délais tenus et un correcteur disponible pour répondre "
     "à mes questions. Je reviendrai pour le prochain tome."),
    ("Sophie Martin", "Essayiste, Bordeaux", 4, "Un regard précis sur la cohérence de mon essai, au-delà de "
     "l'orthographe. Très utile."),
    ("Julien Bernard", "Autoédition, Lille", 5, "La mise en page a transformé mon manuscrit en vrai livre. "
     "Le fichier était prêt pour l'impression du premier coup."),
]


# French typography: no line may start with « ; : ? ! » or end with « (non-breaking spaces).
_FRENCH_SPACES = ((" ;", "\u202f;"), (" :", "\u00a0:"), (" ?", "\u202f?"), (" !", "\u202f!"),
                  ("« ", "«\u00a0"), (" »", "\u00a0»"))


def _french_spacing(text):
    for plain, typographic in _FRENCH_SPACES:
        text = text.replace(plain, typographic)
    return text


def _links():
    """What the FAQ answers and blog posts point at ({pricing} in their text)."""
    return {
        "pricing": reverse("orders:pricing"), "terms": reverse("cms:terms"), "privacy": reverse("cms:privacy"),
        "formats": accepted_types_label(MANUSCRIPT_KINDS),
    }


def load_default_content():
    """Create the default pages (published, with their first version), FAQ
    and testimonials that do not exist yet. Returns how many rows it created."""
    created = 0
    now = timezone.now()
    links = _links()
    with transaction.atomic():
        existing = set(Page.objects.values_list("slug", flat=True))
        pages = [{**spec, "type": Page.Type.LEGAL} for spec in _legal_pages()]
        for post in BLOG_POSTS:
            spec = {key: value for key, value in post.items() if key != "days_ago"}
            spec["content"] = spec["content"].format(**links)
            pages.append({**spec, "type": Page.Type.BLOG, "published_at": now - timedelta(days=post["days_ago"])})
        for spec in pages:
            if spec["slug"] in existing:
                continue
            spec["content"] = _french_spacing(spec["content"])
            page_publish(page=Page.objects.create(status=Page.Status.DRAFT, meta_description=spec["excerpt"], **spec))
            created += 1
        for category, order, question, answer in FAQS:
            _faq, made = FAQ.objects.get_or_create(question=_french_spacing(question), defaults={
                "category": category, "order": order, "answer": _french_spacing(answer.format(**links))})
            created += made
        for order, (name, detail, rating, quote) in enumerate(TESTIMONIALS, start=1):
            _testimonial, made = Testimonial.objects.get_or_create(
                author_name=name, defaults={"author_detail": detail, "rating": rating, "quote": quote, "order": order})
            created += made
    return created
