//! The storage trait: one SQL surface over SQLite (`rusqlite`, bundled) and PostgreSQL (`postgres`,
//! blocking client on the writer thread). Statements are written once with `$1`-style
//! parameters; the SQLite side rewrites them to `?1`. Values are the four kinds both share.

use crate::store::StoreError;

/// A parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// 64-bit integer (`INTEGER` / `BIGINT`).
    Int(i64),
    /// Double (`REAL` / `DOUBLE PRECISION`).
    Real(f64),
    /// Text.
    Text(String),
}

impl Val {
    /// The integer (0 for anything else).
    pub fn int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            Val::Real(f) => *f as i64,
            _ => 0,
        }
    }
    /// The number as f64.
    pub fn real(&self) -> f64 {
        match self {
            Val::Real(f) => *f,
            Val::Int(i) => *i as f64,
            _ => 0.0,
        }
    }
    /// The text (`""` for anything else).
    pub fn text(&self) -> String {
        match self {
            Val::Text(s) => s.clone(),
            _ => String::new(),
        }
    }
    /// The text, `None` for NULL.
    pub fn opt_text(&self) -> Option<String> {
        match self {
            Val::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::Real(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// Which SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.35+ (RETURNING, ON CONFLICT).
    Sqlite,
    /// PostgreSQL 12+.
    Postgres,
}

/// A database connection.
pub trait Db: Send {
    /// Runs a statement; returns the rows changed.
    ///
    /// # Errors
    /// The database's error.
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError>;
    /// Runs a query; returns every row.
    ///
    /// # Errors
    /// The database's error.
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, StoreError>;
    /// Runs statements without parameters (DDL, `BEGIN`, `COMMIT`).
    ///
    /// # Errors
    /// The database's error.
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// The dialect.
    fn dialect(&self) -> Dialect;
    /// `true` inside [`transaction`].
    fn in_transaction(&self) -> bool;
    /// Records that [`transaction`] began or ended one (for connections that cannot tell).
    fn set_in_transaction(&mut self, on: bool);
}

/// Runs `f` in a transaction (committed on `Ok`, rolled back on `Err`). Inside a transaction
/// already, `f` just joins it (the outer one commits or rolls back).
///
/// # Errors
/// `f`'s error or the database's.
pub fn transaction<T>(db: &mut dyn Db, f: impl FnOnce(&mut dyn Db) -> Result<T, StoreError>) -> Result<T, StoreError> {
    if db.in_transaction() {
        return f(db);
    }
    db.batch(if db.dialect() == Dialect::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
    db.set_in_transaction(true);
    let out = match f(db) {
        Ok(v) => match db.batch("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = db.batch("ROLLBACK");
                Err(e)
            }
        },
        Err(e) => {
            let _ = db.batch("ROLLBACK");
            Err(e)
        }
    };
    db.set_in_transaction(false);
    out
}

/// Opens `sqlite:PATH` (or a plain path) or `postgres://…` / `postgresql://…`, and applies the
/// migrations.
///
/// # Errors
/// When the database cannot be opened or migrated.
pub fn connect(spec: &str) -> Result<Box<dyn Db>, StoreError> {
    let mut db: Box<dyn Db> = if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let client = postgres::Client::connect(spec, postgres::NoTls).map_err(|e| StoreError::Db(e.to_string()))?;
        Box::new(Pg { client, in_tx: false })
    } else {
        let p = spec.strip_prefix("sqlite:").unwrap_or(spec);
        let p = p.strip_prefix("//").unwrap_or(p);
        if p.is_empty() {
            return Err(StoreError::Db("sqlite:PATH needs a path".into()));
        }
        let conn = rusqlite::Connection::open(p)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Box::new(Lite(conn))
    };
    let m = match db.dialect() {
        Dialect::Sqlite => crate::store::MIGRATION_SQLITE,
        Dialect::Postgres => crate::store::MIGRATION_POSTGRES,
    };
    db.batch(m)?;
    Ok(db)
}

/// SQLite.
pub struct Lite(pub rusqlite::Connection);

fn to_question_marks(sql: &str) -> String {
    sql.replace('$', "?")
}

fn lite_params(params: &[Val]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|v| match v {
            Val::Null => rusqlite::types::Value::Null,
            Val::Int(i) => rusqlite::types::Value::Integer(*i),
            Val::Real(f) => rusqlite::types::Value::Real(*f),
            Val::Text(s) => rusqlite::types::Value::Text(s.clone()),
        })
        .collect()
}

impl Db for Lite {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let mut st = self.0.prepare_cached(&to_question_marks(sql))?;
        Ok(st.execute(rusqlite::params_from_iter(lite_params(params)))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, StoreError> {
        let mut st = self.0.prepare_cached(&to_question_marks(sql))?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(lite_params(params)))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Val::Null,
                    rusqlite::types::ValueRef::Integer(i) => Val::Int(i),
                    rusqlite::types::ValueRef::Real(f) => Val::Real(f),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        Val::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn in_transaction(&self) -> bool {
        !self.0.is_autocommit()
    }

    fn set_in_transaction(&mut self, _: bool) {}
}

/// PostgreSQL.
pub struct Pg {
    /// The connection.
    pub client: postgres::Client,
    in_tx: bool,
}

impl postgres::types::ToSql for Val {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Val::Null => Ok(postgres::types::IsNull::Yes),
            Val::Int(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            Val::Int(i) if *ty == Type::FLOAT8 => (*i as f64).to_sql(ty, out),
            Val::Int(i) => i.to_sql(ty, out),
            Val::Real(f) => f.to_sql(ty, out),
            Val::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl Db for Pg {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let p: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        self.client.execute(sql, &p).map_err(|e| StoreError::Db(pg_err(&e)))
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, StoreError> {
        use postgres::types::Type;
        let p: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        let rows = self.client.query(sql, &p).map_err(|e| StoreError::Db(pg_err(&e)))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(r.len());
            for (i, c) in r.columns().iter().enumerate() {
                let err = |e: postgres::Error| StoreError::Db(pg_err(&e));
                let t = c.type_();
                row.push(if *t == Type::INT8 {
                    r.try_get::<_, Option<i64>>(i).map_err(err)?.map_or(Val::Null, Val::Int)
                } else if *t == Type::INT4 {
                    r.try_get::<_, Option<i32>>(i).map_err(err)?.map_or(Val::Null, |x| Val::Int(x.into()))
                } else if *t == Type::FLOAT8 {
                    r.try_get::<_, Option<f64>>(i).map_err(err)?.map_or(Val::Null, Val::Real)
                } else if *t == Type::BOOL {
                    r.try_get::<_, Option<bool>>(i).map_err(err)?.map_or(Val::Null, |b| Val::Int(b.into()))
                } else {
                    r.try_get::<_, Option<String>>(i).map_err(err)?.map_or(Val::Null, Val::Text)
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(|e| StoreError::Db(pg_err(&e)))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn in_transaction(&self) -> bool {
        self.in_tx
    }

    fn set_in_transaction(&mut self, on: bool) {
        self.in_tx = on;
    }
}

fn pg_err(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    }
}
