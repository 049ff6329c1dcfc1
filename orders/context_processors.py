from .pricing import pricing_terms


def pricing(request):
    return {"PRICING": pricing_terms()}
