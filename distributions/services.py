"""Writes and rules of distributions. Every function validates everything first, writes in one transaction
and leaves audit rows; stock balances change only together with a ledger movement, under a row lock."""
import csv
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Prefetch, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit, normalise
from casework.codes import PopulationType, Relationship, Role, Sex
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import AuditEvent, Household, Individual, Site, User
from casework.retries import create_once
from distributions.models import (
    Category,
    Commodity,
    DistributionRound,
    EntitlementRule,
    Receipt,
    ReceiptLine,
    StockBalance,
    StockMovement,
    VerificationMethod,
)
from reporting import activity
from reporting.models import DeliveryMechanism, Indicator

# A round read with its site's district, province, department and country: where its receipts are reported.
ROUND_PLACES = "site__location__parent__parent__parent"
# Typing in a paper distribution the same day is not a back-entry.
BACK_ENTRY_AFTER = timedelta(hours=12)
FUTURE_TOLERANCE = timedelta(minutes=5)
# Receipts made from an imported roster get ids derived from round and household, so that importing the
# same file again (or twice at once) finds the receipts it already made.
IMPORT_NAMESPACE = uuid.UUID("5f0c7a4e-2b0e-4b8f-9a51-6d1c3c1f0a77")
ROSTER_FIXED_COLUMNS = ["registration_number", "head", "members", "population_type", "already_served"]
ROSTER_FILL_COLUMNS = ["received", "distributed_on"]
YES = {"yes", "y", "si", "sí", "s", "x", "1", "true"}
NO = {"", "no", "n", "0", "false"}


class AlreadyServed(NotAllowed):
    """A second receipt for a household in a round; carries the receipt that served it first."""

    def __init__(self, receipt):
        self.receipt = receipt
        super().__init__(
            _("Household %(number)s already received this round: receipt %(receipt)s, handed over by %(who)s "
              "on %(when)s.") % {
                "number": receipt.household.registration_number, "receipt": receipt.pk,
                "who": person_name(receipt.handed_over_by),
                "when": timezone.localtime(receipt.distributed_at).strftime("%Y-%m-%d %H:%M"),
            }
        )


def person_name(user):
    return user.get_full_name() or user.username


def _quantity_text(value):
    return f"{value.normalize():f}"


# --- entitlement ----------------------------------------------------------------------------------

@dataclass
class Entitlement:
    eligible: bool
    reason: str = ""
    # Commodity -> quantity, in catalogue order; only commodities with a quantity above zero.
    quantities: dict = field(default_factory=dict)

    @property
    def lines(self):
        return list(self.quantities.items())

    def by_code(self):
        return {commodity.code: quantity for commodity, quantity in self.quantities.items()}


def _rule_matches_member(rule, sex, age):
    if rule.sex and sex != rule.sex:
        return False
    if rule.age_min is not None and age < rule.age_min:
        return False
    return rule.age_max is None or age <= rule.age_max


def entitlement_for(household, round, *, members=None):
    """What a household gets in a round: the one place where entitlement rules are applied.

    Ages are taken on the round's first day, so that the printed roster and the table agree.
    Reads `household.members.all()` unless `members` (objects with `sex` and `date_of_birth`) are given, as
    the roster does after reading every member of the round in one query; prefetch `round.rules`.
    """
    if not round.is_eligible(household):
        return Entitlement(eligible=False, reason=_(
            "Not eligible: this round is for %(types)s; the household is %(type)s."
        ) % {
            "types": ", ".join(str(PopulationType(value).label) for value in round.population_types),
            "type": PopulationType(household.population_type).label,
        })
    if members is None:
        members = household.members.all()
    people = [(member.sex, normalise.age_on(member.date_of_birth, round.starts_on)) for member in members]
    size = len(people)
    totals = {}
    for rule in round.rules.all():
        if rule.household_size_min is not None and size < rule.household_size_min:
            continue
        if rule.household_size_max is not None and size > rule.household_size_max:
            continue
        if rule.per == EntitlementRule.Per.HOUSEHOLD:
            quantity = rule.quantity
        else:
            quantity = rule.quantity * sum(1 for sex, age in people if _rule_matches_member(rule, sex, age))
        if quantity:
            totals[rule.commodity] = totals.get(rule.commodity, Decimal(0)) + quantity
    ordered = dict(sorted(totals.items(), key=lambda item: item[0].code))
    return Entitlement(eligible=True, quantities=ordered)


# --- rounds ---------------------------------------------------------------------------------------

RULE_FIELDS = ("commodity", "per", "quantity", "household_size_min", "household_size_max", "sex", "age_min",
               "age_max")


def _clean_rules(raw_rules, errors):
    rules, rule_errors = [], []
    codes = {str(rule.get("commodity")) for rule in raw_rules if rule.get("commodity")}
    commodities = {c.code: c for c in Commodity.objects.filter(code__in=codes, is_active=True)}
    for raw in raw_rules:
        problems = {}
        rule = {name: raw.get(name) for name in RULE_FIELDS}
        commodity = rule["commodity"]
        if not isinstance(commodity, Commodity):
            commodity = commodities.get(str(commodity))
        if commodity is None or not commodity.is_active:
            problems["commodity"] = [_("Choose a commodity of the catalogue.")]
        rule["commodity"] = commodity
        rule["per"] = rule["per"] or EntitlementRule.Per.HOUSEHOLD
        if rule["per"] not in EntitlementRule.Per.values:
            problems["per"] = [_("Choose “household” or “member”.")]
        try:
            rule["quantity"] = Decimal(str(rule["quantity"]))
            if not rule["quantity"].is_finite() or rule["quantity"] <= 0:
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            problems["quantity"] = [_("Give a quantity above zero.")]
        rule["sex"] = rule["sex"] or ""
        if rule["sex"] and rule["sex"] not in Sex.values:
            problems["sex"] = [_("Choose a sex from the list.")]
        for low, high, message in (
            ("household_size_min", "household_size_max", _("The household size band ends before it starts.")),
            ("age_min", "age_max", _("The age band ends before it starts.")),
        ):
            for name in (low, high):
                if rule[name] in ("", None):
                    rule[name] = None
                    continue
                try:
                    rule[name] = int(rule[name])
                    if rule[name] < 0:
                        raise ValueError
                except (TypeError, ValueError):
                    problems[name] = [_("Give a whole number, zero or more.")]
            if high not in problems and low not in problems and None not in (rule[low], rule[high]) \
                    and rule[high] < rule[low]:
                problems[high] = [message]
        if rule["per"] == EntitlementRule.Per.HOUSEHOLD and (rule["sex"] or rule["age_min"] is not None
                                                              or rule["age_max"] is not None):
            problems["per"] = [_("Sex and age apply to members: choose “per matching member”.")]
        rules.append(rule)
        rule_errors.append(problems)
    if not raw_rules:
        errors["rules"] = [_("A round needs at least one item with its entitlement.")]
    elif any(rule_errors):
        errors["rules"] = rule_errors
    return rules


def _clean_round_fields(data, *, actor, errors):
    cleaned = {}
    if "name" in data:
        cleaned["name"] = " ".join(str(data["name"] or "").split())[:200]
        if not cleaned["name"]:
            errors["name"] = [_("This field is required.")]
    if "site" in data:
        site = data["site"]
        if not isinstance(site, Site):
            site = Site.objects.filter(code=str(site or "").upper()).first()
        if site is None or not site.is_active:
            errors["site"] = [_("Choose one of your sites.")]
        elif not actor.is_organisation_wide and not actor.sites.filter(pk=site.pk).exists():
            errors["site"] = [_("You are not assigned to the site %(site)s.") % {"site": site}]
        cleaned["site"] = site
    for name in ("starts_on", "ends_on"):
        if name in data:
            if data[name] is None:
                errors[name] = [_("This field is required.")]
            cleaned[name] = data[name]
    if "population_types" in data:
        values = sorted(set(data["population_types"] or []))
        unknown = [value for value in values if value not in PopulationType.values]
        if unknown:
            errors["population_types"] = [_("Unknown population type: %(values)s.") % {"values": ", ".join(unknown)}]
        cleaned["population_types"] = values
    if "status" in data:
        if data["status"] not in DistributionRound.Status.values:
            errors["status"] = [_("Choose a status from the list.")]
        cleaned["status"] = data["status"]
    return cleaned


def _check_round_dates(starts_on, ends_on, errors):
    if starts_on and ends_on and "starts_on" not in errors and "ends_on" not in errors and ends_on < starts_on:
        errors["ends_on"] = [_("The round ends before it starts.")]


def _save_rules(round, rules):
    EntitlementRule.objects.bulk_create([EntitlementRule(round=round, **rule) for rule in rules])


def _round_snapshot(round):
    values = audit.snapshot(round)
    values["rules"] = [audit.snapshot(rule, fields=RULE_FIELDS) for rule in round.rules.all()]
    return values


def create_round(*, actor, rules, id=None, **fields):
    """Plan a round. Returns (round, created); a retried create with the same id gets the first round,
    also when the two raced past the check for it."""
    return create_once(lambda: _create_round(actor=actor, rules=rules, id=id, **fields),
                       lambda: _existing_by_id(DistributionRound, actor, id))


def _existing_by_id(model, actor, record_id):
    """The record a client-chosen id already names, when the actor may see it; an id of someone
    else's record is refused."""
    existing = model.objects.filter(pk=record_id).first() if record_id is not None else None
    if existing is not None and not model.objects.visible_to(actor).filter(pk=record_id).exists():
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


@transaction.atomic
def _create_round(*, actor, rules, id, **fields):
    errors = {}
    for required in ("name", "site", "starts_on", "ends_on"):
        if fields.get(required) in (None, ""):
            errors[required] = [_("This field is required.")]
    fields.setdefault("population_types", [])
    cleaned = _clean_round_fields(fields, actor=actor, errors=errors)
    _check_round_dates(cleaned.get("starts_on"), cleaned.get("ends_on"), errors)
    cleaned_rules = _clean_rules(list(rules or []), errors)
    if errors:
        raise InvalidInput(errors)
    round = DistributionRound(id=id or uuid.uuid4(), organisation_id=actor.organisation_id, created_by=actor,
                              **cleaned)
    round.save(force_insert=True)
    _save_rules(round, cleaned_rules)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, instance=round,
                 changes={"after": _round_snapshot(round)})
    return round


@transaction.atomic
def update_round(*, actor, round, expected_version=None, rules=None, **fields):
    """Change a round; its entitlement rules can change only until the first receipt."""
    round = DistributionRound.objects.select_for_update().get(pk=round.pk)
    if expected_version is not None and int(expected_version) != round.version:
        raise StaleWrite(round.version)
    errors = {}
    cleaned = _clean_round_fields(fields, actor=actor, errors=errors)
    _check_round_dates(cleaned.get("starts_on", round.starts_on), cleaned.get("ends_on", round.ends_on), errors)
    cleaned_rules = _clean_rules(list(rules), errors) if rules is not None else None
    if errors:
        raise InvalidInput(errors)
    has_receipts = round.receipts.exists()
    if has_receipts and (cleaned_rules is not None or cleaned.get("site", round.site) != round.site):
        raise NotAllowed(_("Households were already served in this round: its items and site can no longer "
                           "change. Plan a new round instead."))
    before = _round_snapshot(round)
    for name, value in cleaned.items():
        setattr(round, name, value)
    round.version += 1
    round.save()
    if cleaned_rules is not None:
        round.rules.all().delete()
        _save_rules(round, cleaned_rules)
    changes = audit.diff(before, _round_snapshot(round))
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=round, changes=changes)
    return round


# --- stock ----------------------------------------------------------------------------------------

def _lock_balances(organisation_id, site, commodities):
    """Create the balance rows when missing and lock them, for a transfer to hold both sites' rows before
    it changes either."""
    commodity_ids = sorted({commodity.pk for commodity in commodities})
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO distributions_stockbalance (organisation_id, site_id, commodity_id, quantity, updated_at) "
            "SELECT %s, %s, commodity_id, 0, now() FROM unnest(%s::bigint[]) AS commodity_id "
            "ON CONFLICT (organisation_id, site_id, commodity_id) DO NOTHING",
            [organisation_id, site.pk, commodity_ids],
        )
        cursor.execute(
            "SELECT id FROM distributions_stockbalance WHERE organisation_id = %s AND site_id = %s "
            "AND commodity_id = ANY(%s) ORDER BY commodity_id FOR UPDATE",
            [organisation_id, site.pk, commodity_ids],
        )


# Issuing: one statement locks the rows in commodity order (no deadlocks between receipts) and takes the
# quantities only where enough is left; a commodity missing from RETURNING is short. The check constraint
# stays behind it.
TAKE_STOCK = """
WITH locked AS MATERIALIZED (
    SELECT id FROM distributions_stockbalance
    WHERE organisation_id = %s AND site_id = %s AND commodity_id = ANY(%s)
    ORDER BY commodity_id FOR UPDATE
)
UPDATE distributions_stockbalance AS balance
SET quantity = balance.quantity + change.quantity, updated_at = now()
FROM locked, unnest(%s::bigint[], %s::numeric[]) AS change(commodity_id, quantity)
WHERE balance.id = locked.id AND balance.commodity_id = change.commodity_id
  AND balance.quantity + change.quantity >= 0
RETURNING balance.commodity_id
"""
# Adding: the row is created when missing, in commodity order too.
ADD_STOCK = """
INSERT INTO distributions_stockbalance (organisation_id, site_id, commodity_id, quantity, updated_at)
SELECT %s, %s, change.commodity_id, change.quantity, now()
FROM unnest(%s::bigint[], %s::numeric[]) AS change(commodity_id, quantity) ORDER BY change.commodity_id
ON CONFLICT (organisation_id, site_id, commodity_id)
DO UPDATE SET quantity = distributions_stockbalance.quantity + EXCLUDED.quantity, updated_at = EXCLUDED.updated_at
"""


def _change_balances(organisation_id, site, changes):
    """Apply signed changes {commodity: quantity}, all of one sign; returns the commodities that had too
    little left (nothing is changed then, once the caller's transaction rolls back)."""
    ordered = sorted(changes.items(), key=lambda item: item[0].pk)
    ids, quantities = [commodity.pk for commodity, _q in ordered], [quantity for _c, quantity in ordered]
    with connection.cursor() as cursor:
        if all(quantity > 0 for quantity in quantities):
            cursor.execute(ADD_STOCK, [organisation_id, site.pk, ids, quantities])
            return []
        cursor.execute(TAKE_STOCK, [organisation_id, site.pk, ids, ids, quantities])
        taken = {row[0] for row in cursor.fetchall()}
    return [commodity for commodity in changes if commodity.pk not in taken]


def _apply_movements(*, actor, organisation_id, site, changes, kind, errors_field, **movement_fields):
    """Apply signed changes {commodity: quantity} to the balances, refusing any that would go below zero."""
    changes = {commodity: quantity for commodity, quantity in changes.items() if commodity.tracks_stock}
    short = _change_balances(organisation_id, site, changes) if changes else []
    if short:
        left = dict(StockBalance.objects.filter(
            organisation_id=organisation_id, site=site, commodity__in=short).values_list("commodity_id", "quantity"))
        raise InvalidInput({errors_field: [_(
            "Not enough %(commodity)s at %(site)s: %(needed)s %(unit)s needed, %(left)s left. "
            "Record the goods received first, or hand over less."
        ) % {"commodity": commodity.display_name, "site": site.name, "needed": _quantity_text(-changes[commodity]),
             "left": _quantity_text(left.get(commodity.pk, Decimal(0))), "unit": commodity.get_unit_display()}
            for commodity in short]})
    movements = [
        StockMovement(organisation_id=organisation_id, site=site, commodity=commodity, kind=kind, quantity=quantity,
                      recorded_by=actor, **movement_fields)
        for commodity, quantity in changes.items()
    ]
    StockMovement.objects.bulk_create(movements)
    return movements


def _clean_stock_input(*, actor, site, commodity, quantity, errors, signed=False):
    if not isinstance(site, Site):
        site = Site.objects.filter(code=str(site or "").upper(), is_active=True).first()
    if site is None:
        errors["site"] = [_("Choose a site.")]
    if not isinstance(commodity, Commodity):
        commodity = Commodity.objects.filter(code=str(commodity or ""), is_active=True).first()
    if commodity is None:
        errors["commodity"] = [_("Choose a commodity of the catalogue.")]
    elif not commodity.tracks_stock:
        errors["commodity"] = [_("%(commodity)s has no stock to count.") % {"commodity": commodity.display_name}]
    try:
        quantity = Decimal(str(quantity))
        if not quantity.is_finite() or quantity == 0 or (quantity < 0 and not signed):
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors["quantity"] = [_("Give a quantity above zero.") if not signed
                              else _("Give a quantity: positive adds to the stock, negative takes away.")]
    return site, commodity, quantity


def record_stock_movement(*, actor, kind, site, commodity, quantity, reason="", to_site=None, note="",
                          occurred_at=None, id=None):
    """Goods received, an adjustment with its reason (negative for loss or damage), or a transfer to another
    site (two movements sharing a transfer id). Returns (movement, created): a retried request with the
    same id gets the first one's movement, also when the two raced past the check for it."""
    return create_once(
        lambda: _record_stock_movement(actor=actor, kind=kind, site=site, commodity=commodity, quantity=quantity,
                                       reason=reason, to_site=to_site, note=note, occurred_at=occurred_at, id=id),
        lambda: _existing_by_id(StockMovement, actor, id))


@transaction.atomic
def _record_stock_movement(*, actor, kind, site, commodity, quantity, reason, to_site, note, occurred_at, id):
    errors = {}
    now = timezone.now()
    kinds = {"received", "adjustment", "transfer"}
    if kind not in kinds:
        errors["kind"] = [_("Choose received, adjustment or transfer.")]
    site, commodity, quantity = _clean_stock_input(actor=actor, site=site, commodity=commodity, quantity=quantity,
                                                   errors=errors, signed=kind == "adjustment")
    if kind == "adjustment" and reason not in StockMovement.Reason.values:
        errors["reason"] = [_("Say why the stock changes: loss, damage, expiry or a count correction.")]
    if kind != "adjustment":
        reason = ""
    if kind == "transfer":
        if not isinstance(to_site, Site):
            to_site = Site.objects.filter(code=str(to_site or "").upper(), is_active=True).first()
        if to_site is None:
            errors["to_site"] = [_("Choose the site the goods go to.")]
        elif to_site == site:
            errors["to_site"] = [_("A transfer goes to another site.")]
    if occurred_at is not None and occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("The date cannot be in the future.")]
    if errors:
        raise InvalidInput(errors)
    common = {"note": " ".join(str(note or "").split())[:500], "occurred_at": occurred_at or now}
    if kind == "transfer":
        # Both sites' rows locked in site order, so that transfers A->B and B->A at once cannot deadlock.
        for each_site in sorted((site, to_site), key=lambda place: place.pk):
            _lock_balances(actor.organisation_id, each_site, [commodity])
        transfer = uuid.uuid4()
        (movement,) = _apply_movements(actor=actor, organisation_id=actor.organisation_id, site=site,
                                       changes={commodity: -quantity}, kind=StockMovement.Kind.TRANSFER_OUT,
                                       errors_field="quantity", transfer=transfer, id=id or uuid.uuid4(), **common)
        (arrival,) = _apply_movements(actor=actor, organisation_id=actor.organisation_id, site=to_site,
                                      changes={commodity: quantity}, kind=StockMovement.Kind.TRANSFER_IN,
                                      errors_field="quantity", transfer=transfer, **common)
        audit.record_created(actor, arrival)
    else:
        (movement,) = _apply_movements(actor=actor, organisation_id=actor.organisation_id, site=site,
                                       changes={commodity: quantity},
                                       kind=StockMovement.Kind.RECEIVED if kind == "received"
                                       else StockMovement.Kind.ADJUSTMENT,
                                       errors_field="quantity", reason=reason, id=id or uuid.uuid4(), **common)
    audit.record_created(actor, movement)
    return movement


# --- receipts -------------------------------------------------------------------------------------

def _existing_receipt(actor, receipt_id):
    existing = Receipt.objects.filter(pk=receipt_id).first()
    if existing is None:
        return None
    if not Receipt.objects.visible_to(actor).filter(pk=receipt_id).exists():
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


def served_receipt(household, round):
    """The receipt, not voided, that served the household in the round, if any."""
    return (Receipt.objects.active().filter(household=household, round=round)
            .select_related("household", "handed_over_by").first())


def record_receipt(*, actor, household, round, verification_method, site=None, distributed_at=None, lines=None,
                   id=None):
    """Record what a household received in a round. Returns (receipt, created).

    `lines` ([{commodity, quantity}]) default to the full entitlement. A retry with the same id returns the
    first receipt; a second receipt for the household in the round raises AlreadyServed, also when two
    requests race (the partial unique index decides, and the loser reports the winner).
    """
    try:
        return _record_receipt(actor=actor, household=household, round=round,
                               verification_method=verification_method, site=site,
                               distributed_at=distributed_at, lines=lines, id=id), True
    except AlreadyServed as refusal:
        # A retry finds its own receipt as the one that served the household.
        if id is not None and str(refusal.receipt.pk) == str(id):
            return refusal.receipt, False
        raise
    except IntegrityError:
        existing = _existing_receipt(actor, id) if id is not None else None
        if existing is not None:
            return existing, False
        earlier = served_receipt(household, round)
        if earlier is None:
            raise
        raise AlreadyServed(earlier) from None


def _clean_receipt(*, actor, household, round, verification_method, site, distributed_at, lines, now, entitlement):
    errors = {}
    if site is None:
        site = round.site
    elif not isinstance(site, Site):
        # A code names the round's site or is refused: no need to read the site it names.
        site = round.site if str(site).upper() == round.site.code and round.site.is_active else None
    if site is None or site.pk != round.site_id:
        errors["site"] = [_("This round is distributed at %(site)s.") % {"site": round.site.name}]
    elif actor.role not in {Role.SUPERVISOR, Role.ADMIN} and not round.recorder_at_site:
        errors["site"] = [_("You are not assigned to the site %(site)s.") % {"site": site.name}]
    if verification_method not in VerificationMethod.values:
        errors["verification_method"] = [_("Say how the household was verified.")]
    distributed_at = distributed_at or now
    if distributed_at > now + FUTURE_TOLERANCE:
        errors["distributed_at"] = [_("The distribution date cannot be in the future.")]
    else:
        day = timezone.localdate(distributed_at)
        if not round.starts_on <= day <= round.ends_on:
            errors["distributed_at"] = [_("This round runs from %(start)s to %(end)s.") % {
                "start": round.starts_on.isoformat(), "end": round.ends_on.isoformat()}]
    if not entitlement.eligible:
        errors["household"] = [entitlement.reason]
    entitled = entitlement.by_code()
    commodities = {commodity.code: commodity for commodity in entitlement.quantities}
    if lines is None:
        cleaned_lines = dict(entitlement.quantities)
    else:
        cleaned_lines, line_errors = {}, []
        for line in lines:
            problems = {}
            code = line.get("commodity")
            code = code.code if isinstance(code, Commodity) else str(code or "")
            try:
                quantity = Decimal(str(line.get("quantity")))
                if not quantity.is_finite() or quantity < 0:
                    raise InvalidOperation
            except (InvalidOperation, TypeError, ValueError):
                quantity = None
                problems["quantity"] = [_("Give a quantity, zero or more.")]
            if code not in entitled:
                problems["commodity"] = [_("This household is not entitled to %(code)s in this round.") % {
                    "code": code}]
            elif code in {c.code for c in cleaned_lines}:
                problems["commodity"] = [_("This commodity is listed twice.")]
            elif quantity is not None and quantity > entitled[code]:
                problems["quantity"] = [_("At most %(quantity)s: the household's entitlement.") % {
                    "quantity": _quantity_text(entitled[code])}]
            if not problems and quantity:
                cleaned_lines[commodities[code]] = quantity
            line_errors.append(problems)
        if any(line_errors):
            errors["lines"] = line_errors
    if not errors and not cleaned_lines:
        errors["lines"] = [_("Nothing to hand over: give at least one quantity.")]
    if errors:
        raise InvalidInput(errors)
    return site, distributed_at, cleaned_lines


def _prefetched(instance, relation):
    return relation in getattr(instance, "_prefetched_objects_cache", {})


def _cache_related(instance, relation, objects):
    """Make `instance.<relation>.all()` answer `objects` without a query, as prefetch_related leaves it."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance._prefetched_objects_cache = {**getattr(instance, "_prefetched_objects_cache", {}), relation: queryset}


def household_with_members(households, pk):
    """The household `pk` of `households` (scoped by the caller) with its members prefetched, or None.

    Read through its members in one query, the household joined to each, rather than in two."""
    members = list(Individual.objects.filter(household__in=households.filter(pk=pk)).select_related("household"))
    if members:
        household = members[0].household
        for member in members:
            member.household = household
    else:
        household = households.filter(pk=pk).first()
        if household is None:
            return None
    _cache_related(household, "members", members)
    return household


def _with_rules(rounds):
    """Rounds with their site's places and organisation, and their rules with each commodity and the id of
    the active indicator it reports under (`indicator_pk`, None when there is none)."""
    indicator = Indicator.objects.filter(code=OuterRef("commodity__indicator"), is_active=True).values("pk")[:1]
    # Ordered without the model's leading "round", which would join the rounds again for nothing.
    rules = (EntitlementRule.objects.select_related("commodity").annotate(indicator_pk=Subquery(indicator))
             .order_by("commodity__code", "id"))
    return rounds.select_related(ROUND_PLACES, "organisation").prefetch_related(Prefetch("rules", queryset=rules))


def rounds_for_receipts(rounds, actor):
    """`rounds` read with all that recording a receipt by `actor` needs, the actor's assignment to the
    round's site included; a round read otherwise is read again by record_receipt."""
    assigned = User.sites.through.objects.filter(user_id=actor.pk, site_id=OuterRef("site_id"))
    return _with_rules(rounds).annotate(recorder_id=Value(actor.pk), recorder_at_site=Exists(assigned))


def _round_with_rules(round):
    return _with_rules(DistributionRound.objects).get(pk=round.pk)


@transaction.atomic
def _record_receipt(*, actor, household, round, verification_method, site, distributed_at, lines, id):
    now = timezone.now()
    if getattr(round, "recorder_id", None) != actor.pk:
        round = rounds_for_receipts(DistributionRound.objects, actor).get(pk=round.pk)
    if not _prefetched(household, "members"):
        household = household_with_members(Household.objects, household.pk)
    try:
        if round.status != DistributionRound.Status.OPEN:
            raise NotAllowed(_("The round “%(round)s” is not open: receipts cannot be recorded.") % {
                "round": round})
        entitlement = entitlement_for(household, round)
        site, distributed_at, cleaned_lines = _clean_receipt(
            actor=actor, household=household, round=round, verification_method=verification_method, site=site,
            distributed_at=distributed_at, lines=lines, now=now, entitlement=entitlement,
        )
    except (InvalidInput, NotAllowed):
        # Being served already outranks whatever else is wrong. A request without fault learns it from the
        # unique index instead (see record_receipt), which spares every receipt this query.
        earlier = served_receipt(household, round)
        if earlier is not None:
            raise AlreadyServed(earlier) from None
        raise
    return _write_receipt(actor=actor, household=household, round=round, site=site, distributed_at=distributed_at,
                          verification_method=verification_method, lines=cleaned_lines, id=id or uuid.uuid4(),
                          now=now)


def _write_receipt(*, actor, household, round, site, distributed_at, verification_method, lines, id, now):
    """`household` with its members prefetched (they are counted as reached), `round` read by _with_rules.
    The receipt returned holds its lines."""
    receipt = Receipt(id=id, household=household, round=round, site=site, distributed_at=distributed_at,
                      handed_over_by=actor, verification_method=verification_method)
    # Inserted first: a racing second receipt waits here on the unique index and fails, holding no stock lock.
    receipt.save(force_insert=True)
    receipt_lines = ReceiptLine.objects.bulk_create([
        ReceiptLine(receipt=receipt, commodity=commodity, quantity=quantity) for commodity, quantity in lines.items()
    ])
    _cache_related(receipt, "lines", receipt_lines)
    _apply_movements(actor=actor, organisation_id=round.organisation_id, site=site,
                     changes={commodity: -quantity for commodity, quantity in lines.items()},
                     kind=StockMovement.Kind.ISSUED, errors_field="lines", receipt=receipt, occurred_at=distributed_at)
    changes = {"after": audit.snapshot(receipt) | {
        "lines": {commodity.code: _quantity_text(quantity) for commodity, quantity in lines.items()}}}
    if distributed_at < now - BACK_ENTRY_AFTER:
        changes["back_entry"] = True
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, instance=receipt, changes=changes)
    _record_activities(receipt=receipt, household=household, round=round, site=site, lines=lines)
    return receipt


def _record_activities(*, receipt, household, round, site, lines):
    """Every member counts as reached under the indicator of each commodity handed over (the reports count
    these rows); the quantity, and the value of cash, ride on the head of household."""
    indicators = {rule.commodity_id: rule.indicator_pk for rule in round.rules.all()}
    by_indicator = {}
    for commodity, quantity in lines.items():
        indicator = indicators.get(commodity.pk)
        if indicator is not None:
            totals = by_indicator.setdefault(indicator, {"quantity": Decimal(0), "cash_pen": Decimal(0)})
            totals["quantity"] += quantity
            if commodity.category == Category.CASH:
                totals["cash_pen"] += quantity
    if not by_indicator:
        return
    people = sorted(household.members.all(),
                    key=lambda person: (person.relationship_to_head != Relationship.HEAD, person.created_at,
                                        str(person.pk)))
    # The round's site (the receipt's too) comes with its locations up to the country: see ROUND_PLACES.
    site = round.site
    acts = []
    for indicator, totals in by_indicator.items():
        cash = totals["cash_pen"] > 0
        acts.append({
            "indicator": indicator, "quantity": totals["quantity"], "cva": cash,
            "value_usd": (totals["cash_pen"] / settings.CAMINOS_PEN_PER_USD).quantize(Decimal("0.01")),
            "delivery_mechanism": DeliveryMechanism.DIRECT_CASH if cash else "",
        })
    activity.record_acts(source_type=activity.SOURCE_DISTRIBUTION, source_id=receipt.pk, people=people,
                         organisation=round.organisation, site=site,
                         date=timezone.localdate(receipt.distributed_at), acts=acts)


@transaction.atomic
def void_receipt(*, actor, receipt, reason):
    """Cancel a receipt recorded by mistake: it stays, marked void with who and why, and its goods go back
    to the stock. The household can then be served again."""
    receipt = Receipt.objects.select_for_update().select_related("round", "site").get(pk=receipt.pk)
    if receipt.is_voided:
        raise NotAllowed(_("This receipt was already voided."))
    reason = " ".join(str(reason or "").split())[:500]
    if not reason:
        raise InvalidInput({"reason": [_("Say why the receipt is voided.")]})
    before = audit.snapshot(receipt)
    receipt.voided_at = timezone.now()
    receipt.voided_by = actor
    receipt.void_reason = reason
    receipt.save(update_fields=["voided_at", "voided_by", "void_reason"])
    lines = receipt.lines.select_related("commodity")
    _apply_movements(actor=actor, organisation_id=receipt.round.organisation_id, site=receipt.site,
                     changes={line.commodity: line.quantity for line in lines}, kind=StockMovement.Kind.RETURNED,
                     errors_field="reason", receipt=receipt, note=reason)
    activity.remove(source_type=activity.SOURCE_DISTRIBUTION, source_id=receipt.pk)
    audit.record_updated(actor, receipt, before)
    return receipt


# --- roster ---------------------------------------------------------------------------------------

@dataclass
class RosterRow:
    household_id: uuid.UUID
    registration_number: str
    population_type: str
    head: str
    size: int
    entitlement: Entitlement
    receipt: Receipt = None


class _Member(NamedTuple):
    sex: str
    date_of_birth: object


def round_roster(round):
    """Every eligible household of the round's organisation registered at its site, with its head, size,
    entitlement and, when already served, its receipt in the round; in registration-number order.

    Reads plain values in three queries: a round of 20,000 households must build in seconds."""
    round = _round_with_rules(round)
    households = Household.objects.filter(organisation_id=round.organisation_id, site_id=round.site_id)
    if round.population_types:
        households = households.filter(population_type__in=round.population_types)
    members, heads = defaultdict(list), {}
    people = Individual.objects.filter(household__in=households).values_list(
        "household_id", "relationship_to_head", "given_name", "family_name", "sex", "date_of_birth")
    for household_id, relationship, given_name, family_name, sex, date_of_birth in people.iterator(chunk_size=10_000):
        members[household_id].append(_Member(sex, date_of_birth))
        if relationship == Relationship.HEAD:
            heads[household_id] = f"{given_name} {family_name}"
    served = {
        receipt.household_id: receipt
        for receipt in Receipt.objects.active().filter(round=round).select_related("handed_over_by")
    }
    rows = []
    for household in households.order_by("registration_number").values_list(
            "id", "registration_number", "population_type", named=True).iterator(chunk_size=10_000):
        household_members = members[household.id]
        rows.append(RosterRow(
            household_id=household.id, registration_number=household.registration_number,
            population_type=household.population_type, head=heads.get(household.id, ""),
            size=len(household_members), receipt=served.get(household.id),
            entitlement=entitlement_for(household, round, members=household_members),
        ))
    return round, rows


def roster_commodities(round):
    return sorted({rule.commodity for rule in round.rules.all()}, key=lambda commodity: commodity.code)


def roster_csv_rows(round):
    """Header and rows of the roster as CSV cells (not yet spreadsheet-safe)."""
    round, rows = round_roster(round)
    commodities = roster_commodities(round)
    yield ROSTER_FIXED_COLUMNS + [commodity.code for commodity in commodities] + ROSTER_FILL_COLUMNS
    for row in rows:
        entitled = row.entitlement.by_code()
        yield [
            row.registration_number, row.head, str(row.size), row.population_type,
            timezone.localdate(row.receipt.distributed_at).isoformat() if row.receipt else "",
        ] + [_quantity_text(entitled[c.code]) if c.code in entitled else "" for c in commodities] + ["", ""]


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    not_received: int = 0


def _parse_roster(content):
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput({"file": [_("The file is not a UTF-8 CSV file. Save it as “CSV UTF-8”.")]}) from None
    try:
        dialect = csv.Sniffer().sniff(content.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    columns = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in ("registration_number", "received") if name not in columns]
    if missing:
        raise InvalidInput({"file": [_("The file has no column %(columns)s. Import the roster exported for this "
                                       "round.") % {"columns": ", ".join(missing)}]})
    reader.fieldnames = columns
    # Row 1 is the header: numbers match what a spreadsheet shows.
    return [(index, {k: (v or "").strip().lstrip("'") for k, v in row.items() if k}) for index, row
            in enumerate(reader, start=2)]


def _parse_day(text, round, today):
    if not text:
        return min(today, round.ends_on), None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        try:
            day = datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            return None, _("Write the date as YYYY-MM-DD or DD/MM/YYYY.")
    if day > today:
        return None, _("The distribution date cannot be in the future.")
    if not round.starts_on <= day <= round.ends_on:
        return None, _("This round runs from %(start)s to %(end)s.") % {
            "start": round.starts_on.isoformat(), "end": round.ends_on.isoformat()}
    return day, None


def import_roster(*, actor, round, content):
    """Record the receipts of a roster completed on paper. Every row is checked first: any error and nothing
    is saved. Households already served in the round are skipped, so importing the same file twice changes
    nothing. Receipts carry the verification `signature`."""
    try:
        return _import_roster(actor=actor, round=round, content=content)
    except IntegrityError:
        # A household of the file was served at the table while the import ran; nothing was saved.
        raise InvalidInput({"file": [_("A household of this roster was just served at the table. Import the file "
                                       "again: that household will be skipped.")]}) from None


@transaction.atomic
def _import_roster(*, actor, round, content):
    # One import of a round at a time: a second one waits and then finds the first one's receipts.
    round = DistributionRound.objects.select_for_update().get(pk=round.pk)
    if round.status != DistributionRound.Status.OPEN:
        raise NotAllowed(_("The round “%(round)s” is not open: receipts cannot be recorded.") % {"round": round})
    if actor.role not in {Role.SUPERVISOR, Role.ADMIN} and not actor.sites.filter(pk=round.site_id).exists():
        raise InvalidInput({"file": [_("You are not assigned to the site %(site)s.") % {"site": round.site}]})
    parsed = _parse_roster(content)
    round, roster = round_roster(round)
    by_number = {row.registration_number: row for row in roster}
    commodities = {commodity.code: commodity for commodity in roster_commodities(round)}
    today = timezone.localdate()
    now = timezone.now()
    row_errors, planned, seen = {}, [], {}
    known_ids = set(Receipt.objects.filter(round=round).values_list("pk", flat=True))
    result = ImportResult()
    for number, row in parsed:
        problems = []
        registration_number = row.get("registration_number", "").upper()
        received = row.get("received", "").lower()
        if received in NO:
            result.not_received += 1
            continue
        if received not in YES:
            row_errors[number] = [_("Write “yes” in the column received, or leave it empty.")]
            continue
        roster_row = by_number.get(registration_number)
        if roster_row is None:
            row_errors[number] = [_("%(number)s is not on the roster of this round.") % {
                "number": registration_number or "—"}]
            continue
        if registration_number in seen:
            row_errors[number] = [_("%(number)s is also on row %(row)s.") % {
                "number": registration_number, "row": seen[registration_number]}]
            continue
        seen[registration_number] = number
        day, date_error = _parse_day(row.get("distributed_on", ""), round, today)
        if date_error:
            problems.append(date_error)
        entitled = roster_row.entitlement.by_code()
        lines = {}
        for code, commodity in commodities.items():
            text = row.get(code, "")
            if text == "":
                quantity = entitled.get(code, Decimal(0))
            else:
                try:
                    quantity = Decimal(text.replace(",", "."))
                    if not quantity.is_finite() or quantity < 0:
                        raise InvalidOperation
                except InvalidOperation:
                    problems.append(_("%(code)s: “%(value)s” is not a quantity.") % {"code": code, "value": text})
                    continue
            if quantity > entitled.get(code, Decimal(0)):
                problems.append(_("%(code)s: at most %(quantity)s, the household's entitlement.") % {
                    "code": code, "quantity": _quantity_text(entitled.get(code, Decimal(0)))})
            elif quantity:
                lines[commodity] = quantity
        if not problems and not lines:
            problems.append(_("Nothing to hand over: give at least one quantity."))
        if problems:
            row_errors[number] = problems
            continue
        receipt_id = uuid.uuid5(IMPORT_NAMESPACE, f"{round.pk}:{roster_row.household_id}")
        if roster_row.receipt is not None or receipt_id in known_ids:
            result.skipped.append(registration_number)
            continue
        planned.append((number, roster_row.household_id, day, lines, receipt_id))
    if row_errors:
        raise InvalidInput({"rows": {str(number): messages for number, messages in sorted(row_errors.items())}})
    households = Household.objects.prefetch_related("members").in_bulk([row[1] for row in planned])
    for number, household_id, day, lines, receipt_id in planned:
        # Noon Lima time: the roster gives the day, not the hour.
        distributed_at = min(timezone.make_aware(datetime.combine(day, time(12))), now)
        try:
            result.created.append(_write_receipt(
                actor=actor, household=households[household_id], round=round, site=round.site,
                distributed_at=distributed_at, verification_method=VerificationMethod.SIGNATURE, lines=lines,
                id=receipt_id, now=now,
            ))
        except InvalidInput as short:
            # Stock ran out at this row; the transaction takes back every receipt written before it.
            raise InvalidInput({"rows": {str(number): short.errors["lines"]}}) from None
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, object_type="distributions.rosterimport",
                 object_id=round.pk, changes={"created": len(result.created), "skipped": len(result.skipped)})
    return result


# --- catalogue ------------------------------------------------------------------------------------

COMMODITY_FIELDS = ("code", "name", "name_es", "category", "unit", "sector", "indicator", "tracks_stock", "is_active")


@transaction.atomic
def save_commodity(*, actor, commodity=None, **fields):
    """Add a commodity to the catalogue or change one (admins); the code of a commodity never changes."""
    creating = commodity is None
    commodity = commodity or Commodity()
    before = audit.snapshot(commodity)
    for name, value in fields.items():
        if name in COMMODITY_FIELDS and (creating or name != "code"):
            setattr(commodity, name, value)
    try:
        commodity.full_clean()
    except ValidationError as error:
        raise InvalidInput(error.message_dict) from None
    commodity.save()
    if creating:
        audit.record_created(actor, commodity)
    else:
        audit.record_updated(actor, commodity, before)
    return commodity
