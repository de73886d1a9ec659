/**
 * The part of node-oracledb (thin mode) the Oracle adapter uses. The package ships no types; these
 * are written from its documentation and checked against the installed version by the adapter's
 * driver test (which loads it).
 */
declare module 'oracledb' {
  export interface DbType {
    readonly name: string;
  }

  export interface Metadata {
    readonly name: string;
    readonly dbType: DbType;
    readonly dbTypeName?: string;
  }

  export interface FetchTypeHandlerResult {
    type?: DbType;
    converter?: (value: unknown) => unknown;
  }

  export interface BindDefinition {
    type: DbType;
    maxSize?: number;
    dir?: number;
  }

  export interface ExecuteOptions {
    outFormat?: number;
    autoCommit?: boolean;
    fetchTypeHandler?: (metadata: Metadata) => FetchTypeHandlerResult | undefined;
    resultSet?: boolean;
    fetchArraySize?: number;
    prefetchRows?: number;
  }

  export interface ExecuteManyOptions {
    autoCommit?: boolean;
    bindDefs?: Record<string, BindDefinition> | BindDefinition[];
    batchErrors?: boolean;
  }

  export interface ResultSet {
    getRows(count: number): Promise<Record<string, unknown>[]>;
    close(): Promise<void>;
  }

  export interface Result {
    readonly rows?: Record<string, unknown>[];
    readonly rowsAffected?: number;
    readonly resultSet?: ResultSet;
  }

  export interface ExecuteManyResult {
    readonly rowsAffected?: number;
  }

  export interface Connection {
    execute(sql: string, binds?: Record<string, unknown> | unknown[], options?: ExecuteOptions): Promise<Result>;
    executeMany(sql: string, binds: Record<string, unknown>[] | unknown[][], options?: ExecuteManyOptions): Promise<ExecuteManyResult>;
    commit(): Promise<void>;
    rollback(): Promise<void>;
    close(): Promise<void>;
    readonly oracleServerVersionString?: string;
    callTimeout?: number;
  }

  export interface ConnectionAttributes {
    user: string;
    password?: string;
    connectString: string;
    walletLocation?: string;
    walletPassword?: string;
    sslServerDNMatch?: boolean;
    sslServerCertDN?: string;
    connectTimeout?: number;
  }

  export interface OracleDb {
    readonly thin: boolean;
    readonly versionString: string;
    readonly OUT_FORMAT_OBJECT: number;
    readonly STRING: DbType;
    readonly BUFFER: DbType;
    readonly DB_TYPE_NUMBER: DbType;
    readonly DB_TYPE_VARCHAR: DbType;
    readonly DB_TYPE_NVARCHAR: DbType;
    readonly DB_TYPE_CHAR: DbType;
    readonly DB_TYPE_NCHAR: DbType;
    readonly DB_TYPE_LONG: DbType;
    readonly DB_TYPE_LONG_RAW: DbType;
    readonly DB_TYPE_RAW: DbType;
    readonly DB_TYPE_CLOB: DbType;
    readonly DB_TYPE_NCLOB: DbType;
    readonly DB_TYPE_BLOB: DbType;
    readonly DB_TYPE_DATE: DbType;
    readonly DB_TYPE_TIMESTAMP: DbType;
    readonly DB_TYPE_TIMESTAMP_TZ: DbType;
    readonly DB_TYPE_TIMESTAMP_LTZ: DbType;
    readonly DB_TYPE_INTERVAL_DS: DbType;
    readonly DB_TYPE_INTERVAL_YM: DbType;
    readonly DB_TYPE_BINARY_DOUBLE: DbType;
    readonly DB_TYPE_BINARY_FLOAT: DbType;
    readonly DB_TYPE_ROWID: DbType;
    readonly DB_TYPE_XMLTYPE: DbType;
    getConnection(attrs: ConnectionAttributes): Promise<Connection>;
  }

  const oracledb: OracleDb;
  export default oracledb;
}
