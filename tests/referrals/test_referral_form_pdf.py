"""The printable referral form carries the shared fields only."""
import base64
import re
import zlib

from referrals import pdf


def _text(document):
    """The text drawn on the pages (reportlab compresses each page stream)."""
    text = b""
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", document, re.S):
        data = stream.strip()
        if data.endswith(b"~>"):
            text += zlib.decompress(base64.a85decode(data[:-2]))
    # Accented letters are written as octal escapes of WinAnsi codes.
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), text).decode("cp1252")


def test_the_form_has_the_shared_fields_and_nothing_else(send, woman):
    referral = send()
    document = pdf.referral_form(referral)
    assert document.startswith(b"%PDF")
    text = _text(document)
    for shared in ("Pérez González", "+51987654321", referral.short_id,
                   "HIAS", "Needs safe shelter"):
        assert shared in text
    for private in (woman.document_number, "SV-VA", woman.household.registration_number):
        assert private not in text


def test_the_form_is_served_to_both_parties_and_no_one_else(client, send, caseworker, partner, third_partner):
    referral = send()
    for user in (caseworker, partner):
        client.force_login(user)
        answer = client.get(f"/referrals/{referral.pk}/form.pdf")
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/pdf"
    client.force_login(third_partner)
    assert client.get(f"/referrals/{referral.pk}/form.pdf").status_code == 404
