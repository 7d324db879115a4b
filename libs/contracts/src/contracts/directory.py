"""Vocabulary of the directory (docs/domain.md §5.1, §6.1): structure parameters, services, profiles."""

from enum import StrEnum


class CategorieEntite(StrEnum):
    """The public entity's category, which sets the délai global de paiement (CCP R2192-10, R2192-11)."""

    ETAT = "ETAT"  # État and its non-industrial établissements publics
    COLLECTIVITE_TERRITORIALE = "COLLECTIVITE_TERRITORIALE"  # collectivités, their EP and groupements
    ETABLISSEMENT_SANTE = "ETABLISSEMENT_SANTE"  # établissements publics de santé, service de santé des armées
    ENTREPRISE_PUBLIQUE = "ENTREPRISE_PUBLIQUE"  # entreprises publiques (except EPL)


DELAI_PAIEMENT_JOURS: dict[CategorieEntite, int] = {
    CategorieEntite.ETAT: 30,
    CategorieEntite.COLLECTIVITE_TERRITORIALE: 30,
    CategorieEntite.ETABLISSEMENT_SANTE: 50,
    CategorieEntite.ENTREPRISE_PUBLIQUE: 60,
}


def delai_paiement_jours(categorie: CategorieEntite | None) -> int:
    """Days of the délai global de paiement; 30 (the general rule) when the category is not known."""
    return DELAI_PAIEMENT_JOURS.get(categorie, 30) if categorie else 30


class PresenceMoa(StrEnum):
    """Portal option "Présence MOA" of a public structure (docs/domain.md §5.1, §5.2)."""

    AUCUNE = "AUCUNE"  # not set (private structures)
    SANS_MOA = "SANS_MOA"  # receives payable pièces only; cannot act as MOA
    AVEC_MOA = "AVEC_MOA"  # MOA and service financier in one SIRET
    EXCLUSIVEMENT_MOA = "EXCLUSIVEMENT_MOA"  # MOA only; payable pièces go to a distinct "sans MOA" structure


class Profil(StrEnum):
    """A user's profile on a structure for the works application."""

    CONSULTATION = "CONSULTATION"
    MODIFICATION = "MODIFICATION"
