"""The key groups every deployment starts with (reference data; more can be added in the admin)."""

from django.db import migrations

KEY_GROUPS = [
    ("health_worker", "Health worker", "医务人员"),
    ("nursing_home_resident", "Nursing-home resident", "养老院老人"),
    ("nursing_home_staff", "Nursing-home staff", "养老院工作人员"),
    ("construction_worker", "Construction worker", "建筑工人"),
    ("market_vendor", "Market vendor", "市场商户"),
    ("delivery_worker", "Delivery worker", "快递外卖人员"),
    ("traveller", "Traveller", "旅客"),
    ("school_student", "School student", "学生"),
    ("school_staff", "School staff", "学校教职工"),
    ("quarantine_staff", "Quarantine-site staff", "隔离点工作人员"),
    ("transport_worker", "Transport worker", "交通运输人员"),
    ("cold_chain_worker", "Cold-chain worker", "冷链从业人员"),
]


def forwards(apps, schema_editor):
    KeyGroup = apps.get_model("core", "KeyGroup")
    for code, en, zh in KEY_GROUPS:
        KeyGroup.objects.update_or_create(code=code, defaults={"name_en": en, "name_zh": zh})


def backwards(apps, schema_editor):
    apps.get_model("core", "KeyGroup").objects.filter(code__in=[k[0] for k in KEY_GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
