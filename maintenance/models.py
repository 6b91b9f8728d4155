# Maintenance windows are the status app's (status.models.MaintenanceWindow); this app keeps only
# the migrations that created their table, which the status app's migrations build on.
