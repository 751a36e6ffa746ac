//! Outgoing e-mail through lettre: SMTP when `SAMORDNA_SMTP_URL` is set,
//! otherwise `.eml` files in a folder (`SAMORDNA_MAIL_DIR`), which a person
//! can open in any mail program. Both are real lettre transports. Mail is
//! not sent from here directly: it goes through the [`outbox`].

pub mod outbox;

use std::path::PathBuf;

use anyhow::Context;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// Where mail goes.
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

impl Mailer {
    /// The transport the configuration asks for.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.smtp_url {
            Some(url) => Ok(Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("SAMORDNA_SMTP_URL is not a valid smtp:// or smtps:// address")?
                    .build(),
            )),
            None => {
                std::fs::create_dir_all(&config.mail_dir).with_context(|| {
                    format!(
                        "cannot create the mail folder {}",
                        config.mail_dir.display()
                    )
                })?;
                Ok(Mailer::Files {
                    transport: AsyncFileTransport::new(&config.mail_dir),
                    dir: config.mail_dir.clone(),
                })
            }
        }
    }

    /// Sends one message.
    pub async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Mailer::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP sending failed")?;
            }
            Mailer::Files { transport, dir } => {
                transport
                    .send(message)
                    .await
                    .with_context(|| format!("could not write mail to {}", dir.display()))?;
            }
        }
        Ok(())
    }

    /// How mail is sent, as recorded on each sending: `smtp` or `eml-filer`
    /// (the folder is the server's business, not the reader's).
    /// Whether mail reaches its recipients (SMTP), not only a folder.
    pub fn by_mail(&self) -> bool {
        matches!(self, Mailer::Smtp(_))
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "smtp".to_owned(),
            Mailer::Files { .. } => "eml-filer".to_owned(),
        }
    }
}
