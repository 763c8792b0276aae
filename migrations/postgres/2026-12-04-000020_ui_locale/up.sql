-- The language the client asked the interaction to be in (the first of its ui_locales that
-- has a catalog), so that every page of the sign-in speaks it.
ALTER TABLE authorization_requests ADD COLUMN ui_locale TEXT;
