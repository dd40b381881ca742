import pytest

from billing.mpesa import mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0712345678", "254712345678"),
        ("0112345678", "254112345678"),
        ("+254712345678", "254712345678"),
        ("254712345678", "254712345678"),
        ("254112345678", "254112345678"),
        ("712345678", "254712345678"),
        ("112345678", "254112345678"),
        ("0712 345 678", "254712345678"),
        ("0712-345-678", "254712345678"),
        ("+254 712 345 678", "254712345678"),
        ("(0712) 345.678", "254712345678"),
        ("00254712345678", "254712345678"),
        (254712345678, "254712345678"),
        ("  0712345678\n", "254712345678"),
    ],
)
def test_normalize_phone_accepts_common_kenyan_forms(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "07123456",  # too short
        "071234567890",  # too long
        "0812345678",  # not a mobile prefix
        "255712345678",  # Tanzania
        "+1 415 555 0100",
        "07123456ab",
        "2547123456789",
        "٠٧١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "07１2345678",  # one fullwidth digit among ASCII ones
        "०७१२३४५६७८",  # Devanagari digits
        None,
        True,
        12.5,
    ],
)
def test_normalize_phone_rejects_other_numbers_with_a_clear_message(raw):
    with pytest.raises(ValueError, match="phone number"):
        normalize_phone(raw)


def test_mask_phone_keeps_prefix_and_last_four_digits():
    assert mask_phone("254712345678") == "2547****5678"
    assert mask_phone("1234") == "****"
