"""Billing vocabularies of the deposit form (docs/domain.md §8.1): currency, VAT regime, payment
method, deposit format, attachment extensions."""

from enum import StrEnum

# ISO 4217 active currency codes (funds and precious metals excluded).
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
    GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
    LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW ZWG""".split()
)


class TypeTva(StrEnum):
    """VAT regime of the pièce; "sans TVA" covers reverse charge (autoliquidation) in subcontracting."""

    TVA_SUR_DEBITS = "TVA_SUR_DEBITS"
    TVA_SUR_ENCAISSEMENTS = "TVA_SUR_ENCAISSEMENTS"
    SANS_TVA = "SANS_TVA"


class ModeReglement(StrEnum):
    VIREMENT = "VIREMENT"
    CHEQUE = "CHEQUE"
    PRELEVEMENT = "PRELEVEMENT"
    ESPECES = "ESPECES"
    EFFET_BANCAIRE = "EFFET_BANCAIRE"
    AUTRE = "AUTRE"


class FormatDepot(StrEnum):
    PDF_NON_SIGNE = "PDF_NON_SIGNE"
    PDF_SIGNE = "PDF_SIGNE"


# The attachment extensions the portal accepts (docs/domain.md §8.1: « Les extensions de fichier autorisées »).
ATTACHMENT_EXTENSIONS = frozenset(
    "bmp htm fax png xhtml bz2 jpeg pps xlc csv jpg ppt xlm doc odp rtf xls gif ods svg xml gz odt tgz gzip "
    "p7s tif html pdf txt zip tiff xlsx docx".split()
)


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
