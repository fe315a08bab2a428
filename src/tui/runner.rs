//! The event loop: terminal keys, engine snapshots and notices in; drain
//! everything pending, update, and draw once when something changed.

use std::time::Duration;

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::broadcast::error::RecvError;

use super::app::{App, Msg};
use super::views;
use crate::engine::snapshot::{Handle, Notice, NoticeLevel};

/// Runs the console until the user quits. The terminal is restored on
/// return, on error and on panic (see [`super::install_panic_hook`]).
/// With `mouse`, the console captures the mouse (wheel and clicks).
pub async fn run(handle: Handle, mut app: App, mouse: bool) -> std::io::Result<()> {
    super::install_panic_hook();
    let mut terminal = ratatui::try_init()?;
    if mouse {
        ratatui::crossterm::execute!(
            std::io::stdout(),
            ratatui::crossterm::event::EnableMouseCapture
        )?;
    }
    let result = event_loop(&mut terminal, &handle, &mut app).await;
    super::restore_terminal();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    handle: &Handle,
    app: &mut App,
) -> std::io::Result<()> {
    let mut events = EventStream::new();
    let mut snapshots = handle.watch();
    let mut notices = handle.notices();
    let mut engine_alive = true;
    let size = terminal.size()?;
    app.update(Msg::Resize {
        width: size.width,
        height: size.height,
    });
    terminal.draw(|f| views::draw(f, app))?;
    while !app.quit {
        let mut pending = Vec::new();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => pending.extend(to_msg(event)),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            changed = snapshots.changed(), if engine_alive => match changed {
                Ok(()) => pending.push(Msg::Snapshot(snapshots.borrow_and_update().clone())),
                Err(_) => engine_alive = false,
            },
            notice = notices.recv() => match notice {
                Ok(notice) => pending.push(Msg::Notice(notice)),
                Err(RecvError::Lagged(n)) => pending.push(Msg::Notice(Notice {
                    app: None,
                    level: NoticeLevel::Warning,
                    message: format!("{n} notices were missed"),
                })),
                Err(RecvError::Closed) => {}
            },
        }
        // Drain whatever else is ready so a burst costs one frame.
        while tokio_stream_ready(&mut events, &mut pending).await {}
        if snapshots.has_changed().unwrap_or(false) {
            pending.push(Msg::Snapshot(snapshots.borrow_and_update().clone()));
        }
        if pending.is_empty() {
            continue;
        }
        for msg in pending {
            for command in app.update(msg) {
                if handle.try_send(command).is_err() {
                    app.warn("the engine has stopped: the command was not sent");
                }
            }
        }
        if !app.quit {
            terminal.draw(|f| views::draw(f, app))?;
        }
    }
    Ok(())
}

/// Takes one already-available terminal event, if any, without waiting.
async fn tokio_stream_ready(events: &mut EventStream, pending: &mut Vec<Msg>) -> bool {
    match tokio::time::timeout(Duration::ZERO, events.next()).await {
        Ok(Some(Ok(event))) => {
            pending.extend(to_msg(event));
            true
        }
        _ => false,
    }
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        _ => None,
    }
}
