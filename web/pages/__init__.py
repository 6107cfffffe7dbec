"""The pages people start from (`/state/<XX>`, `/utility/<id>`, `/device/<id>`, the device ×
utility matrix) and what the Datasette pages share with them: readable cell text, passage
links, the US tile map. web/plugins/pages.py registers the routes; the queries read the
summary tables and indexes db/derive/summaries.py makes at build time."""
