#include "CSQLiteConfig.h"

#include <sqlite3.h>

int csqlite_config_sorter_pages(unsigned int pages) {
    return sqlite3_config(SQLITE_CONFIG_PMASZ, pages);
}

int csqlite_config_memstatus(int enabled) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, enabled);
}
