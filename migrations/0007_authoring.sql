-- Authoring in the browser. PostgreSQL holds the live bank; the files stay the review format.

-- A question's lifecycle: draft (not drawn yet) → live; quarantined (kept out of new mocks and drills until
-- fixed); retired (and restored). `status_by` is the instructor who set it; null means the file sync did
-- (a question whose file disappeared), and only those retirements are undone when the file comes back.
alter table questions add column status text not null default 'live'
    check (status in ('draft', 'live', 'quarantined', 'retired'));
update questions set status = 'retired' where retired_at is not null;
alter table questions add column status_by uuid references users (id);
alter table questions drop column retired_at;
create index questions_live on questions (exam_code, task) where status = 'live';

-- Where the question's file sits, relative to its exam folder (`questions/<task>/<id>.md`), and the content
-- hash of that file as last read by the sync or written by an export. A current version whose hash differs
-- is a browser edit not yet exported. Null: the question has never been a file (created in the browser).
alter table questions add column file_path text;
alter table questions add column file_hash text;
update questions q set file_path = substring(v.source_path from '(questions/.*)$'), file_hash = v.content_hash
from question_versions v where v.id = q.current_version_id;

-- Each version's exact source text (what a file holds), who made it and why. Versions made before this
-- migration get their source from the next sync of an unchanged file.
alter table question_versions add column source_md text;
alter table question_versions add column origin text not null default 'file'
    check (origin in ('file', 'browser', 'gift'));
alter table question_versions add column author_id uuid references users (id);
alter table question_versions add column change_note text not null default '';
-- Restore makes a new version with an old content, so a content may appear in several versions.
alter table question_versions drop constraint question_versions_exam_code_question_id_content_hash_key;
create index question_versions_hash on question_versions (exam_code, question_id, content_hash);

-- Full-text search over stems and options (the bank browser).
create function question_search_vector(stem text, options jsonb) returns tsvector
language sql immutable parallel safe as $$
    select to_tsvector('english', stem || ' ' || coalesce(
        (select string_agg(o ->> 'text_md', ' ') from jsonb_array_elements(options) o), ''))
$$;
alter table question_versions add column search tsvector
    generated always as (question_search_vector(stem_md, options)) stored;
create index question_versions_search on question_versions using gin (search);

-- The exam folder's name and its blueprint file as read, so an export rebuilds the folder byte for byte.
alter table exams add column dir_name text;
alter table exams add column blueprint_toml text;

-- Every change an instructor makes, for the history page: who, what, when.
create table authoring_audit (
    id          bigserial primary key,
    at          timestamptz not null default now(),
    user_id     uuid references users (id),
    exam_code   text not null references exams (code),
    question_id text not null,
    -- created | edited | restored | published | quarantined | retired | reinstated | imported
    action      text not null,
    version_id  bigint references question_versions (id),
    detail      text not null default '',
    foreign key (exam_code, question_id) references questions (exam_code, id)
);
create index authoring_audit_question on authoring_audit (exam_code, question_id, at);
