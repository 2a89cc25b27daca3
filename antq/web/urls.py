from django.contrib.auth import views as auth_views
from django.urls import path

from antq.web.views import accounts, dashboard, records, rules, units

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("account/tokens/", accounts.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", accounts.token_revoke_view, name="token_revoke"),
    path("grants/", accounts.grants, name="grants"),
    path("grants/<int:pk>/revoke/", accounts.grant_revoke_view, name="grant_revoke"),
    path("audit/", accounts.audit_log, name="audit_log"),
    path("rules/", rules.rules, name="rules"),
    path("rules/<str:kind>/<int:pk>/end/", rules.rule_end_view, name="rule_end"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/children.<str:fmt>", dashboard.children_export, name="dashboard_export"),
    path("records/<str:kind>/", records.record_list, name="record_list"),
    path("records/<str:kind>/new/", records.record_create, name="record_create"),
    path("records/<str:kind>/import/", records.record_import, name="record_import"),
    path("records/<str:kind>/template.xlsx", records.record_template, name="record_template"),
    path("records/<str:kind>/export.<str:fmt>", records.record_export, name="record_export"),
    path("records/<str:kind>/<int:pk>/", records.record_detail, name="record_detail"),
    path("records/<str:kind>/<int:pk>/edit/", records.record_edit, name="record_edit"),
    path("records/<str:kind>/<int:pk>/delete/", records.record_delete_view, name="record_delete"),
    path("records/accidents/<int:pk>/later-deaths/", records.later_death_view, name="later_death_add"),
    path("units/", units.unit_tree, name="unit_tree"),
    path("units/search/", units.unit_search, name="unit_search"),
    path("units/import/", units.unit_import_view, name="unit_import"),
    path("units/import/template.xlsx", units.unit_import_template, name="unit_import_template"),
    path("units/<int:pk>/", units.unit_detail, name="unit_detail"),
    path("units/<int:pk>/children/", units.unit_children, name="unit_children"),
    path("units/<int:pk>/new/", units.unit_create_view, name="unit_create"),
    path("units/<int:pk>/edit/", units.unit_edit_view, name="unit_edit"),
    path("units/<int:pk>/delete/", units.unit_delete_view, name="unit_delete"),
]
