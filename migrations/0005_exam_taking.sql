-- Extra time granted when the attempt started (e.g. AWS's 30-minute accommodation for non-native
-- speakers), already included in the deadline; shown on the results.
alter table attempts add column extra_minutes int not null default 0 check (extra_minutes between 0 and 120);

-- Each save of an item bumps its revision. A page sends the revision it showed, so a stale tab cannot
-- silently overwrite an answer given in another tab: it is told, and shown the newer answer.
alter table attempt_items add column revision int not null default 0;
