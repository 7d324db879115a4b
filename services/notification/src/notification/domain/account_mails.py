"""The mails that carry a one-time code to an account's owner (docs/authority.md): a sign-in code, the
activation of a new account, an invitation onto a structure. Pure: rendered from the event alone."""

from contracts import AccountCodeIssued, CodeMotif
from notification.domain.messages import TEMPLATES, Message

TEMPLATE = "compte"
_SUBJECT = {
    CodeMotif.CONNEXION: "[Travaux] Votre code de connexion",
    CodeMotif.ACTIVATION: "[Travaux] Activez votre compte",
    CodeMotif.INVITATION: "[Travaux] Invitation",
}
_PROFILS = {"CONSULTATION": "consultation", "MODIFICATION": "modification"}


def render_account_mail(event: AccountCodeIssued, base_url: str) -> Message:
    invitation = event.invitation
    subject = _SUBJECT[event.motif]
    if invitation is not None:
        subject = f"{subject} — {invitation.structure_nom}"
    context = {
        "event": event,
        "invitation": invitation,
        "profil": _PROFILS.get(invitation.profil.value, invitation.profil.value) if invitation else None,
        "expires": event.expires_at.strftime("%d/%m/%Y à %H:%M UTC"),
        "activation_url": f"{base_url.rstrip('/')}/v1/comptes/activation",
    }
    return Message(
        subject,
        TEMPLATES.get_template(f"{TEMPLATE}.txt.j2").render(context),
        TEMPLATES.get_template(f"{TEMPLATE}.html.j2").render(context),
    )
