//! Sign-in throttling by (username, client address), by address, and by
//! username across addresses, replacing the per-username lock that let anyone
//! lock a real user out.
//!
//! Keys are hashes (`scope:sha256…`): what someone typed into the username
//! field may be a mistyped password, and must not be stored as typed.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000003_sign_in_throttle"
    }
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
}

#[derive(DeriveIden)]
enum SignInThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
    Lockouts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(LoginThrottle::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInThrottle::Table)
                    .col(
                        ColumnDef::new(SignInThrottle::Key)
                            .string_len(80)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SignInThrottle::Failures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(SignInThrottle::WindowStartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SignInThrottle::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SignInThrottle::Lockouts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .check(Expr::col(SignInThrottle::Failures).gte(0))
                    .check(Expr::col(SignInThrottle::Lockouts).gte(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInThrottle::Table).to_owned())
            .await
    }
}
