"""The orders part of the RGPD export. Orders are kept on anonymisation:
they carry the invoices the law requires us to keep."""

from .models import Order, OrderRating


def export_orders(user):
    orders = (
        Order.objects.filter(client=user).select_related("service", "rating").prefetch_related("events", "files")
    )
    return [
        {
            "id": str(order.pk),
            "title": order.title,
            "description": order.description,
            "service": order.service.name if order.service else None,
            "status": order.status,
            "client_note": order.client_note,
            "declared_pages": order.declared_pages,
            "verified_pages": order.verified_pages,
            "price_cents": order.price,
            "amount_paid_cents": order.amount,
            "urgent": order.urgent,
            "due_date": order.due_date,
            "created_at": order.created_at,
            "history": [
                {"at": event.created_at, "kind": event.kind, "from": event.from_status, "to": event.to_status}
                for event in order.events.all()
            ],
            "files": [
                {"name": f.original_name, "role": f.role, "size": f.size, "uploaded_at": f.created_at}
                for f in order.files.all()
            ],
            "rating": _rating(order),
        }
        for order in orders
    ]


def _rating(order):
    try:
        rating = order.rating
    except OrderRating.DoesNotExist:
        return None
    return {"score": rating.score, "comment": rating.comment, "at": rating.created_at}


def anonymise_ratings(user):
    """A rating's comment is the client's own words: it goes; the score stays
    in the corrector's figures."""
    OrderRating.objects.filter(order__client=user).exclude(comment="").update(comment="")
