from django.urls import path

from vouchers import views

urlpatterns = [
    path("", views.batch_list, name="voucher-batches"),
    path("batches/<int:pk>/", views.batch_detail, name="voucher-batch"),
    path("batches/<int:pk>/sheet/", views.batch_sheet, name="voucher-sheet"),
    path("batches/<int:pk>/retry-failed/", views.batch_retry_failed, name="voucher-retry-failed"),
]
