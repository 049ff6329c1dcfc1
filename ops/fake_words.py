"""Small built-in French word lists for generate_fake_data: Faker is a
development dependency and far too slow for millions of rows, and a few
hundred words combined at random read well enough in a list or a thread."""

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Louise", "Jade", "Zoé", "Alice", "Juliette", "Élise", "Margaux",
    "Hélène", "Agnès", "Brigitte", "Sophie", "Nathalie", "Isabelle", "Anaïs", "Clémence", "Océane", "Noémie",
    "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Raphaël", "Théo", "Mathis", "Nicolas", "Julien",
    "Antoine", "François", "Étienne", "Benoît", "Jérôme", "Sébastien", "Olivier", "Rémi", "Loïc", "Cédric",
    "Maël", "Gaël", "Noël", "Aurélien", "Thibault", "Grégoire", "Baptiste",
)

LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
    "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin",
    "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Lemoine",
    "Bréhat", "Le Gall", "Kerjean", "Castéra", "Noël", "Benoît", "Desrosiers",
)

CITIES = (
    ("75011", "Paris"), ("69003", "Lyon"), ("13006", "Marseille"), ("31000", "Toulouse"), ("06000", "Nice"),
    ("44000", "Nantes"), ("67000", "Strasbourg"), ("34000", "Montpellier"), ("33000", "Bordeaux"),
    ("59000", "Lille"), ("35000", "Rennes"), ("51100", "Reims"), ("76600", "Le Havre"), ("42000", "Saint-Étienne"),
    ("83000", "Toulon"), ("38000", "Grenoble"), ("21000", "Dijon"), ("49000", "Angers"), ("30000", "Nîmes"),
    ("29200", "Brest"), ("87000", "Limoges"), ("37000", "Tours"), ("80000", "Amiens"), ("66000", "Perpignan"),
    ("57000", "Metz"), ("25000", "Besançon"), ("45000", "Orléans"), ("14000", "Caen"), ("64000", "Pau"),
    ("17000", "La Rochelle"),
)

STREETS = (
    "rue de la République", "avenue Jean-Jaurès", "boulevard Victor-Hugo", "rue du Général-de-Gaulle",
    "place de l'Église", "rue des Écoles", "chemin des Vignes", "allée des Tilleuls", "rue Pasteur",
    "impasse du Moulin", "rue Émile-Zola", "quai des Célestins", "rue de la Gare", "avenue des Châtaigniers",
)

# Book titles: "<start> <subject>", e.g. « Les Saisons du Rhône ».
TITLE_STARTS = (
    "Les Saisons", "Mémoires", "Carnets", "Le Silence", "La Maison", "Chroniques", "Les Ombres", "Le Jardin",
    "Lettres", "Le Dernier Été", "La Traversée", "Les Enfants", "Un Hiver", "La Mémoire", "Les Chemins",
    "Le Secret", "La Lumière", "Les Voix", "L'Héritage", "Le Voyageur",
)
TITLE_ENDS = (
    "du Rhône", "d'un libraire", "de voyage", "des collines", "de Montmartre", "sur la Loire", "de l'Atlantique",
    "d'une vie ordinaire", "des Cévennes", "du phare", "à Lisbonne", "de ma grand-mère", "en Provence",
    "des marées", "sous la neige", "d'Aurélie", "du vieux port", "des oubliés", "au bord de l'eau", "de l'exil",
)
GENRES = ("roman", "recueil de nouvelles", "essai", "récit de voyage", "biographie", "roman policier",
          "recueil de poèmes", "roman jeunesse", "mémoire universitaire", "guide pratique")

ORDER_DESCRIPTIONS = (
    "Un {genre} d'environ {pages} pages, premier manuscrit.",
    "{genre} terminé, relu deux fois, à corriger avant envoi aux éditeurs.",
    "Deuxième version de mon {genre}, les chapitres 3 à 7 ont beaucoup changé.",
    "{genre} destiné à l'autoédition, je souhaite une correction soignée.",
    "Manuscrit ({genre}) écrit pendant le confinement, à relire entièrement.",
)

MESSAGE_SENTENCES = (
    "Bonjour, je vous envoie la dernière version du manuscrit.",
    "Merci pour votre retour rapide !",
    "J'ai une question sur la ponctuation des dialogues.",
    "Faut-il garder les tirets cadratins ou passer aux guillemets français ?",
    "Le chapitre 4 me semble un peu long, qu'en pensez-vous ?",
    "Je termine la relecture des trois premiers chapitres cette semaine.",
    "Vous trouverez mes remarques en marge du document.",
    "Les accords du participe passé ont été revus partout.",
    "Pouvez-vous confirmer la date de livraison ?",
    "J'ai harmonisé l'orthographe des noms propres.",
    "Quelques répétitions subsistent page 112, je les ai signalées.",
    "Parfait, je valide ces modifications.",
    "Le style est très agréable, bravo pour ce texte.",
    "Je préfère garder « au jour d'aujourd'hui » dans la bouche du personnage.",
    "Les majuscules accentuées sont désormais respectées (É, À, Ç).",
    "Pourriez-vous vérifier la cohérence des dates dans la deuxième partie ?",
    "J'ai ajouté une note sur l'emploi du subjonctif après « après que ».",
    "La mise en page sera faite une fois la correction terminée.",
    "Merci, c'est exactement ce que j'attendais.",
    "Je reviens vers vous dès que j'ai relu l'ensemble.",
    "Attention aux espaces insécables avant les deux-points.",
    "Le fichier corrigé est en ligne sur votre espace.",
    "Bonne journée et à bientôt !",
    "Je vous remercie pour votre patience.",
)

SYSTEM_MESSAGES = (
    "Le correcteur a commencé la correction.",
    "La commande a été livrée : vous pouvez valider la correction.",
    "Paiement reçu, merci ! Un correcteur va prendre en charge votre manuscrit.",
    "Un nouveau fichier a été déposé.",
)

DIRECT_SUBJECTS = (
    "Question sur les tarifs", "Délais de correction", "Mise en page pour l'impression", "Devis pour un essai",
    "Correction d'un mémoire", "Autoédition sur Amazon KDP", "Question sur ma facture", "Envoi d'un second tome",
)

TICKET_TITLES = (
    ("TECHNIQUE", "Impossible de télécharger mon fichier"), ("FACTURATION", "Facture introuvable"),
    ("FACTURATION", "Double prélèvement sur ma carte"), ("COMMANDE", "Modifier le nombre de pages"),
    ("COMMANDE", "Retard de livraison"), ("COMPTE", "Changer mon adresse e-mail"),
    ("GENERAL", "Correction d'un texte en anglais ?"), ("GENERAL", "Délai pour un roman de 400 pages"),
    ("TECHNIQUE", "La page de paiement ne s'affiche pas"), ("AUTRE", "Partenariat avec une maison d'édition"),
)

NOTIFICATIONS = (
    ("ORDER", "Commande payée", "Votre commande « {title} » est payée : un correcteur va s'en occuper."),
    ("ORDER", "Correction commencée", "La correction de « {title} » a commencé."),
    ("ORDER", "Commande livrée", "« {title} » est livrée : vérifiez la correction et validez-la."),
    ("PAYMENT", "Paiement reçu", "Nous avons bien reçu votre paiement pour « {title} »."),
    ("MESSAGE", "Nouveau message", "Vous avez reçu un message au sujet de « {title} »."),
    ("INFO", "Facture disponible", "La facture de « {title} » est disponible dans votre espace."),
    ("SUCCESS", "Commande terminée", "Merci ! « {title} » est terminée."),
    ("SYSTEM", "Maintenance prévue", "Le site sera indisponible dimanche de 2 h à 3 h."),
    ("WARNING", "Échéance proche", "L'échéance de « {title} » approche."),
)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
)
