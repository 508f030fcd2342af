#ifndef CSQLITECONFIG_H
#define CSQLITECONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

/// sqlite3_config(SQLITE_CONFIG_PMASZ, pages): the smallest run, in pages of the main
/// database, that SQLite's external sorter keeps in memory before writing it out.
/// sqlite3_config is variadic, so Swift cannot call it directly. Only takes effect
/// before SQLite is initialized (the first connection opened in the process); returns
/// the SQLite result code (SQLITE_MISUSE when too late).
int csqlite_config_sorter_pages(unsigned int pages);

/// sqlite3_config(SQLITE_CONFIG_MEMSTATUS, enabled): whether SQLite counts its memory
/// use, which takes a process-wide mutex around every allocation and free. The same
/// timing and result codes as `csqlite_config_sorter_pages`.
int csqlite_config_memstatus(int enabled);

#ifdef __cplusplus
}
#endif

#endif
