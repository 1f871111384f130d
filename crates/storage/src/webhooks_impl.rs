// F-INT-4: the event webhook store, written once. `lib.rs` includes this file in one
// module per driver, after `store_impl.rs`, with `CLAIM_WEBHOOKS` defined per dialect.

use ninsho_domain::webhooks::{Topic, TopicFilter, WebhookDelivery, WebhookEndpoint, WebhookStore};

fn webhook_endpoint_row(r: &DbRow, topics: TopicFilter) -> R<WebhookEndpoint> {
    Ok(WebhookEndpoint {
        id: WebhookEndpointId(r.try_get("id").map_err(db_err)?),
        name: r.try_get("name").map_err(db_err)?,
        url: r.try_get("url").map_err(db_err)?,
        topics,
        sealed_secret: r.try_get("secret").map_err(db_err)?,
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
        removed_at: opt_ms(r.try_get("removed_at").map_err(db_err)?),
    })
}

impl WebhookStore for Store {
    async fn webhook_endpoints(&self) -> R<Vec<WebhookEndpoint>> {
        let rows = sqlx::query("select id, name, url, secret, created_at, removed_at from webhook_endpoints where removed_at is null order by created_at")
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        let topics = sqlx::query("select t.endpoint_id, t.topic from webhook_endpoint_topics t join webhook_endpoints w on w.id = t.endpoint_id where w.removed_at is null")
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        let mut by_endpoint: std::collections::HashMap<Uuid, Vec<String>> = std::collections::HashMap::new();
        for t in &topics {
            by_endpoint.entry(t.try_get("endpoint_id").map_err(db_err)?).or_default().push(t.try_get("topic").map_err(db_err)?);
        }
        rows.iter()
            .map(|r| {
                let id: Uuid = r.try_get("id").map_err(db_err)?;
                let names = by_endpoint.remove(&id).unwrap_or_default();
                webhook_endpoint_row(r, TopicFilter::from_names(names.iter().map(String::as_str))?)
            })
            .collect()
    }

    async fn claim_webhooks(&self, now: UnixMillis, lease_ms: i64, limit: i64) -> R<Vec<WebhookDelivery>> {
        // An idle sender only reads: the write lock is taken only when there is work.
        let due = sqlx::query("select 1 from webhook_deliveries where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1) limit 1")
            .bind(now.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        if due.is_none() {
            return Ok(vec![]);
        }
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        let rows = sqlx::query(CLAIM_WEBHOOKS).bind(now.0).bind(now.0 + lease_ms).bind(limit).fetch_all(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let endpoints = self.webhook_endpoints().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let endpoint_id: Uuid = r.try_get("endpoint_id").map_err(db_err)?;
            // Removed since the claim: its deliveries are dropped with it.
            let Some(endpoint) = endpoints.iter().find(|e| e.id.0 == endpoint_id) else { continue };
            let topic: String = r.try_get("topic").map_err(db_err)?;
            out.push(WebhookDelivery {
                row: r.try_get("id").map_err(db_err)?,
                webhook_id: r.try_get("webhook_id").map_err(db_err)?,
                topic: parse_enum(Topic::parse(&topic), "webhook topic")?,
                body: r.try_get("body").map_err(db_err)?,
                attempts: r.try_get("attempts").map_err(db_err)?,
                created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
                endpoint: endpoint.clone(),
            });
        }
        Ok(out)
    }

    async fn webhook_delivered(&self, row: i64, now: UnixMillis) -> R<()> {
        sqlx::query("update webhook_deliveries set status = 'delivered', delivered_at = $2, lease_until = null, last_error = null where id = $1 and status = 'pending'")
            .bind(row)
            .bind(now.0)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn webhook_retry(&self, row: i64, next_at: UnixMillis, error: &str) -> R<()> {
        sqlx::query("update webhook_deliveries set next_attempt_at = $2, last_error = $3, lease_until = null where id = $1 and status = 'pending'")
            .bind(row)
            .bind(next_at.0)
            .bind(error)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn webhook_failed(&self, row: i64, now: UnixMillis, error: &str) -> R<()> {
        sqlx::query("update webhook_deliveries set status = 'failed', next_attempt_at = $2, last_error = $3, lease_until = null where id = $1 and status = 'pending'")
            .bind(row)
            .bind(now.0)
            .bind(error)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn webhook_backlog(&self) -> R<(i64, Option<UnixMillis>)> {
        let row = sqlx::query("select count(*), min(created_at) from webhook_deliveries where status = 'pending'").fetch_one(&self.read).await.map_err(db_err)?;
        Ok((row.try_get::<i64, _>(0).map_err(db_err)?, row.try_get::<Option<i64>, _>(1).map_err(db_err)?.map(UnixMillis)))
    }
}
