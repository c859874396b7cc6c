-- Unscored pilot questions, as in the real exam: mixed into mocks unmarked, not scored, their statistics
-- gathered until an instructor promotes them.
alter table questions drop constraint questions_status_check;
alter table questions add constraint questions_status_check
    check (status in ('draft', 'pilot', 'live', 'quarantined', 'retired'));
alter table attempt_items add column scored boolean not null default true;
-- how many of the attempt's questions count (question_count less the pilots), set when it is scored
alter table attempts add column scored_count int;
