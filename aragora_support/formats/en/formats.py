# Every time Django formats by default (admin read-only fields, lists, templates' |date without a
# format) names its zone: staff and customers read times in their own zone, and must see which.
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y H:i T"
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
