"""Login, two-step login, invitations and the role switch, on Norwegian paths.

The views of django-allauth are mounted here one by one under the names allauth reverses,
so only the flows we use exist (no sign-up, no email management).
"""

from allauth.account import views as account_views
from allauth.mfa.base import views as mfa_views
from allauth.mfa.recovery_codes import views as recovery_views
from allauth.mfa.totp import views as totp_views
from allauth.mfa.webauthn import views as webauthn_views
from django.urls import path, re_path

from accounts import national_views as national
from accounts import views

urlpatterns = [
    path("logg-inn/", account_views.login, name="account_login"),
    path("logg-inn/tilgangsnokkel/", webauthn_views.login_webauthn, name="mfa_login_webauthn"),
    path("logg-ut/", account_views.logout, name="account_logout"),
    path("konto/inaktiv/", account_views.account_inactive, name="account_inactive"),
    path("konto/bekreft-passord/", account_views.reauthenticate, name="account_reauthenticate"),
    path("konto/passord/", account_views.password_change, name="account_change_password"),
    path("konto/nytt-passord/", account_views.password_set, name="account_set_password"),
    path("glemt-passord/", account_views.password_reset, name="account_reset_password"),
    path(
        "glemt-passord/sendt/",
        account_views.password_reset_done,
        name="account_reset_password_done",
    ),
    re_path(
        r"^glemt-passord/nytt/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "glemt-passord/ferdig/",
        account_views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    path("totrinn/", views.MFAIndexView.as_view(), name="mfa_index"),
    path("totrinn/bekreft/", views.AuthenticateView.as_view(), name="mfa_authenticate"),
    path("totrinn/bekreft-igjen/", mfa_views.reauthenticate, name="mfa_reauthenticate"),
    path("totrinn/app/", views.ActivateTOTPView.as_view(), name="mfa_activate_totp"),
    path("totrinn/app/sla-av/", totp_views.deactivate_totp, name="mfa_deactivate_totp"),
    path(
        "totrinn/reservekoder/",
        views.RecoveryCodesView.as_view(),
        name="mfa_view_recovery_codes",
    ),
    path(
        "totrinn/reservekoder/nye/",
        recovery_views.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path(
        "totrinn/reservekoder/last-ned/",
        recovery_views.download_recovery_codes,
        name="mfa_download_recovery_codes",
    ),
    path("totrinn/tilgangsnokkel/ny/", views.AddPasskeyView.as_view(), name="mfa_add_passkey"),
    path("totrinn/sikkerhetsnokler/", webauthn_views.list_webauthn, name="mfa_list_webauthn"),
    path("totrinn/sikkerhetsnokler/ny/", webauthn_views.add_webauthn, name="mfa_add_webauthn"),
    path(
        "totrinn/sikkerhetsnokler/bekreft-igjen/",
        webauthn_views.reauthenticate_webauthn,
        name="mfa_reauthenticate_webauthn",
    ),
    path(
        "totrinn/sikkerhetsnokler/<int:pk>/fjern/",
        views.remove_security_key,
        name="mfa_remove_webauthn",
    ),
    path("rolle/", views.role_switch, name="role_switch"),
    path("konto/innstillinger/", views.account_settings, name="account_settings"),
    path("konto/borte/", views.absence_add, name="absence_add"),
    path("konto/borte/<uuid:public_id>/fjern/", views.absence_remove, name="absence_remove"),
    path("invitasjoner/", views.invitation_list, name="invitation_list"),
    path(
        "invitasjoner/<uuid:public_id>/trekk-tilbake/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitasjon/<str:token>/", views.invitation_accept, name="invitation_accept"),
    # The national admin's pages (not Django's admin, which stays at /admin/).
    path("admin-nks/", national.overview, name="natadmin"),
    path("admin-nks/foreninger/", national.association_list, name="natadmin_associations"),
    path("admin-nks/foreninger/ny/", national.association_create, name="natadmin_association_new"),
    path(
        "admin-nks/foreninger/<uuid:public_id>/",
        national.association_edit,
        name="natadmin_association_edit",
    ),
    path("admin-nks/krisesentre/", national.shelter_list, name="natadmin_shelters"),
    path("admin-nks/krisesentre/ny/", national.shelter_create, name="natadmin_shelter_new"),
    path(
        "admin-nks/krisesentre/<uuid:public_id>/",
        national.shelter_edit,
        name="natadmin_shelter_edit",
    ),
    path("admin-nks/personer/", national.people_list, name="natadmin_people"),
    path("admin-nks/personer/inviter/", national.person_invite, name="natadmin_invite"),
    path("admin-nks/personer/<uuid:public_id>/", national.person_detail, name="natadmin_person"),
    path(
        "admin-nks/personer/<uuid:public_id>/steng/",
        national.person_deactivate,
        name="natadmin_person_deactivate",
    ),
    path(
        "admin-nks/personer/<uuid:public_id>/apne/",
        national.person_reactivate,
        name="natadmin_person_reactivate",
    ),
    path(
        "admin-nks/personer/<uuid:public_id>/nullstill-totrinn/",
        national.person_reset_two_step,
        name="natadmin_person_reset_two_step",
    ),
    path(
        "admin-nks/roller/<uuid:public_id>/endre/",
        national.membership_change,
        name="natadmin_membership_change",
    ),
    path(
        "admin-nks/roller/<uuid:public_id>/avslutt/",
        national.membership_end,
        name="natadmin_membership_end",
    ),
    path("okt/", views.session_status, name="session_status"),
    path("okt/forleng/", views.session_keepalive, name="session_keepalive"),
    path("lister/", views.programme_lists, name="programme_lists"),
    path("lister/<slug:slug>/", views.programme_list, name="programme_list"),
    path(
        "lister/<slug:slug>/<str:value>/", views.programme_list_entry, name="programme_list_entry"
    ),
    path(
        "lister/<slug:slug>/<str:value>/endre/",
        views.programme_list_entry_change,
        name="programme_list_entry_change",
    ),
]
