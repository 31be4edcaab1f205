-- All devices' search finds text anywhere in a device's name, model or serial
-- number: a trigram index answers that without reading every device. It
-- holds no copy of the text (the devices table is its content) and follows
-- every change to those columns.
CREATE VIRTUAL TABLE devices_search USING fts5(
    name, model, serial_number,
    content = 'devices', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO devices_search (devices_search) VALUES ('rebuild');

CREATE TRIGGER devices_search_insert AFTER INSERT ON devices BEGIN
    INSERT INTO devices_search (rowid, name, model, serial_number)
    VALUES (new.rowid, new.name, new.model, new.serial_number);
END;

CREATE TRIGGER devices_search_delete AFTER DELETE ON devices BEGIN
    INSERT INTO devices_search (devices_search, rowid, name, model, serial_number)
    VALUES ('delete', old.rowid, old.name, old.model, old.serial_number);
END;

-- A check-in rewrites the model unchanged: only a real change touches the index.
CREATE TRIGGER devices_search_update AFTER UPDATE OF name, model, serial_number ON devices
WHEN old.name IS NOT new.name OR old.model IS NOT new.model OR old.serial_number IS NOT new.serial_number
BEGIN
    INSERT INTO devices_search (devices_search, rowid, name, model, serial_number)
    VALUES ('delete', old.rowid, old.name, old.model, old.serial_number);
    INSERT INTO devices_search (rowid, name, model, serial_number)
    VALUES (new.rowid, new.name, new.model, new.serial_number);
END;
