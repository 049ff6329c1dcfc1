import factory

from orders.models import Service


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Correction {n}")
    description = "Correction complète."
    kind = "Correction"
    pricing = Service.Pricing.PER_PAGE
    price = 200
    reduced_unit_price = 100


class PackFactory(ServiceFactory):
    name = factory.Sequence(lambda n: f"Pack {n}")
    pricing = Service.Pricing.FIXED
    price = 35000
