-- The question bank, synced from the files in question-bank/. Every version of every question is
-- kept, so an attempt can always show the exact question the candidate saw.
create table exams (
    code       text primary key,
    name       text not null,
    blueprint  jsonb not null,
    synced_at  timestamptz not null default now()
);

create table question_versions (
    id               bigserial primary key,
    exam_code        text not null references exams (code),
    question_id      text not null,
    version          int not null,
    content_hash     text not null,
    task             text not null,
    domain           int not null,
    services         text[] not null,
    difficulty       text not null check (difficulty in ('easy', 'medium', 'hard')),
    multiple         boolean not null,
    -- markdown sources (for export and authoring) and sanitised HTML (for pages)
    stem_md          text not null,
    stem_html        text not null,
    explanation_md   text not null,
    explanation_html text not null,
    -- [{"text_md","text_html","rationale_md","rationale_html"}] in file order
    options          jsonb not null,
    -- indexes (0-based, file order) of the correct options
    correct          int[] not null,
    source_path      text not null,
    created_at       timestamptz not null default now(),
    unique (exam_code, question_id, version),
    unique (exam_code, question_id, content_hash)
);

create table questions (
    exam_code          text not null references exams (code),
    id                 text not null,
    current_version_id bigint not null references question_versions (id),
    task               text not null,
    domain             int not null,
    retired_at         timestamptz,
    primary key (exam_code, id)
);
create index questions_live on questions (exam_code, task) where retired_at is null;
