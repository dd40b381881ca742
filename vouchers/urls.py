from django.urls import path

from vouchers import views

urlpatterns = [
    path("", views.batch_list, name="voucher-batches"),
    path("batches/new/", views.batch_create, name="voucher-batch-create"),
    path("batches/<int:pk>/", views.batch_detail, name="voucher-batch"),
    path("batches/<int:pk>/sheet/", views.batch_sheet, name="voucher-sheet"),
    path("batches/<int:pk>/print/", views.batch_print, name="voucher-print"),
    path(
        "batches/<int:pk>/print-files/<int:job_id>/",
        views.batch_print_file,
        name="voucher-print-file",
    ),
    path("batches/<int:pk>/retry-failed/", views.batch_retry_failed, name="voucher-retry-failed"),
    path("batches/<int:pk>/disable/", views.batch_disable, name="voucher-batch-disable"),
    path("batches/<int:pk>/delete/", views.batch_delete, name="voucher-batch-delete"),
    path("batches/<int:pk>/selection/", views.batch_selection, name="voucher-batch-selection"),
    # One route per action: each is a path of its own (and has its tenant isolation case).
    *(
        path(
            f"<int:pk>/{action}/",
            views.voucher_action,
            {"action": action},
            name=f"voucher-{action}",
        )
        for action in ("disable", "delete")
    ),
    path("profiles/", views.profile_list, name="voucher-profiles"),
    path("profiles/new/", views.profile_create, name="voucher-profile-create"),
    path("profiles/<int:pk>/", views.profile_edit, name="voucher-profile"),
    path("profiles/<int:pk>/delete/", views.profile_delete, name="voucher-profile-delete"),
]
