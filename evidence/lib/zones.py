"""The time zones offered to users and for a case's contacts."""
import zoneinfo


def time_zone_choices():
    # Mainland and the zones our users most often live in come first.
    first = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Macau", "UTC"]
    rest = sorted(z for z in zoneinfo.available_timezones() if z not in first and "/" in z)
    return [(z, z) for z in first + rest]
