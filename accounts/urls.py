from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("email/attach/<str:token>/", views.email_attach_view, name="email_attach"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<objectid:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
