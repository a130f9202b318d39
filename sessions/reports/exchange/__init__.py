"""Exchange with other systems: a FHIR R4 Bundle of questionnaires and responses, and REDCap's
data dictionary, events and records (export) and records (import).

`recording` wraps every export in an ExportRecord and one audit event, as the CSV/XLSX exports
are; `fhir_bundle` and `redcap_export` write files; `redcap_names` holds the naming rules both
REDCap directions share; `redcap_import` checks a records file like staff entry and saves it all
or nothing.
"""
