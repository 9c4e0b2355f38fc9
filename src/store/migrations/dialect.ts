/** The database a migration runs on. */
export type Dialect = 'sqlite' | 'postgres';
