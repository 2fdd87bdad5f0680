//! A private Dovecot 2.3 (IMAP and POP3 over Maildir) on loopback.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::ca::TestCa;
use crate::free_port;
use crate::maildir;
use crate::process::{self, Owner, Supervised, chown, port_open};

/// The Dovecot binary of Debian's `dovecot-core`.
const DOVECOT: &str = "/usr/sbin/dovecot";

/// Runs Dovecot in the foreground and stops it (SIGTERM) when stdin reaches end of file, that
/// is when the harness stops it or the test process dies. Exits when Dovecot exits.
/// Arguments: the log file for Dovecot's own stdout/stderr, then the Dovecot command line.
const WRAPPER: &str = r#"
log=$1; shift
exec 3<&0
"$@" </dev/null >>"$log" 2>&1 3<&- &
server=$!
{ while read -r _; do :; done <&3; kill -TERM "$server" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$server"; status=$?
kill "$watcher" 2>/dev/null
exit $status
"#;

/// Whether Dovecot with IMAP and POP3 is installed.
pub(crate) fn available() -> bool {
    Path::new(DOVECOT).is_file()
        && Path::new("/usr/lib/dovecot/imap").is_file()
        && Path::new("/usr/lib/dovecot/pop3").is_file()
}

/// A private Dovecot instance: IMAP (143-style, with STARTTLS), IMAPS, POP3 (with STLS) and
/// POP3S on free loopback ports, Maildir mailboxes in a temp dir, a certificate from its own
/// [`TestCa`]. Plaintext logins are allowed on the plain ports; IDLE works.
///
/// Users are in a passwd-file (`{PLAIN}` passwords, so no `:` in them). Mailboxes live in
/// `home/<user>/Maildir` (Maildir++, folders as `.Name`). As root, mail processes and mailbox
/// files belong to Debian's `mail` user, because Dovecot refuses uid 0.
///
/// Dropping it stops Dovecot and removes everything.
#[derive(Debug)]
pub struct Dovecot {
    process: Option<SupervisedDebug>,
    ports: [u16; 4],
    owner: Option<Owner>,
    conf: PathBuf,
    ca: TestCa,
    // Last: removed after the process is gone.
    dir: TempDir,
}

/// [`Supervised`] with a `Debug` impl that shows nothing, so `Dovecot` can derive `Debug`.
struct SupervisedDebug(Supervised);

impl std::fmt::Debug for SupervisedDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Supervised")
    }
}

impl Dovecot {
    /// Starts Dovecot with these `(user, password)` accounts, each with an empty INBOX, and
    /// waits (at most 10 s) until all four ports accept connections. Panics with Dovecot's log
    /// when it does not come up.
    pub fn start(users: &[(&str, &str)]) -> Dovecot {
        let dir = tempfile::Builder::new()
            .prefix("sbtk-dovecot-")
            .tempdir()
            .expect("create a temp dir for Dovecot");
        // Mail processes (another user when we are root) must reach the homes inside.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))
            .expect("chmod the Dovecot temp dir");
        let root = dir.path();
        for sub in ["run", "state", "home"] {
            fs::create_dir(root.join(sub)).expect("create a Dovecot directory");
        }
        let (owner, extra) = identity();
        chown(&root.join("home"), owner);
        File::create(root.join("users")).expect("create the Dovecot users file");
        let ca = TestCa::generate();
        let ports = [free_port(), free_port(), free_port(), free_port()];
        let instance = root
            .file_name()
            .and_then(|name| name.to_str())
            .expect("temp dir name")
            .to_owned();
        let conf = root.join("dovecot.conf");
        let uid_gid = match owner {
            Some(Owner { uid, gid }) => (uid, gid),
            None => {
                let uid = process::effective_uid();
                let (_, _, gid) = process::passwd_entry(|_, id| id == uid)
                    .unwrap_or_else(|| panic!("uid {uid} is not in /etc/passwd"));
                (uid, gid)
            }
        };
        let text = config(root, &instance, &ca, ports, uid_gid, &extra);
        fs::write(&conf, text).expect("write dovecot.conf");
        let mut dovecot = Dovecot {
            process: None,
            ports,
            owner,
            conf,
            ca,
            dir,
        };
        for (user, password) in users {
            dovecot.add_user(user, password);
        }
        dovecot.start_again();
        dovecot
    }

    /// Adds an account with an empty INBOX (Dovecot rereads the users file by itself).
    pub fn add_user(&self, user: &str, password: &str) {
        assert!(
            !user.is_empty() && !user.contains([':', '/', '\n']) && !password.contains([':', '\n']),
            "unusable test account {user:?}"
        );
        let home = self.home(user);
        fs::create_dir_all(&home).expect("create the user's home");
        chown(&home, self.owner);
        maildir::create(&home.join("Maildir"), self.owner);
        let mut users = OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("users"))
            .expect("open the Dovecot users file");
        writeln!(users, "{user}:{{PLAIN}}{password}::::::").expect("write the Dovecot users file");
    }

    /// Plain IMAP port (STARTTLS offered).
    pub fn imap_port(&self) -> u16 {
        self.ports[0]
    }

    /// IMAP over implicit TLS.
    pub fn imaps_port(&self) -> u16 {
        self.ports[1]
    }

    /// Plain POP3 port (STLS offered).
    pub fn pop3_port(&self) -> u16 {
        self.ports[2]
    }

    /// POP3 over implicit TLS.
    pub fn pop3s_port(&self) -> u16 {
        self.ports[3]
    }

    /// The certificate authority of the server certificate.
    pub fn ca(&self) -> &TestCa {
        &self.ca
    }

    /// The CA certificate (PEM) that clients must trust.
    pub fn ca_pem_path(&self) -> &Path {
        self.ca.ca_pem_path()
    }

    fn home(&self, user: &str) -> PathBuf {
        self.dir.path().join("home").join(user)
    }

    /// The user's Maildir (its INBOX). Panics for an unknown user.
    pub fn maildir(&self, user: &str) -> PathBuf {
        let maildir = self.home(user).join("Maildir");
        assert!(maildir.is_dir(), "no Dovecot user {user:?}");
        maildir
    }

    /// The Maildir of a folder: `None` or `Some("INBOX")` is the INBOX, otherwise the Maildir++
    /// folder `.Name` (hierarchy `A/B` is `.A.B`; ASCII names only).
    pub fn folder_maildir(&self, user: &str, folder: Option<&str>) -> PathBuf {
        let maildir = self.maildir(user);
        match folder {
            None => maildir,
            Some(name) if name.eq_ignore_ascii_case("INBOX") => maildir,
            Some(name) => maildir.join(format!(".{}", name.replace('/', "."))),
        }
    }

    /// Creates the folder `name` (Maildir++ `.name` with `cur/ new/ tmp/`) and returns its path.
    /// IMAP LIST shows it at once; it is not subscribed.
    pub fn create_folder(&self, user: &str, name: &str) -> PathBuf {
        let folder = self.folder_maildir(user, Some(name));
        maildir::create(&folder, self.owner);
        File::create(folder.join("maildirfolder")).expect("create the maildirfolder marker");
        chown(&folder.join("maildirfolder"), self.owner);
        folder
    }

    /// Delivers one raw message into the user's INBOX (like an MDA: into `tmp/`, then renamed
    /// into `new/`), works whether Dovecot runs or not. Returns the file's path.
    pub fn deliver(&self, user: &str, raw: &[u8]) -> PathBuf {
        maildir::deliver(&self.maildir(user), raw, self.owner)
    }

    /// Delivers many messages into the user's INBOX (thousands per second); returns how many.
    pub fn deliver_many<I, M>(&self, user: &str, messages: I) -> usize
    where
        I: IntoIterator<Item = M>,
        M: AsRef<[u8]>,
    {
        let maildir = self.maildir(user);
        let mut delivered = 0;
        for raw in messages {
            maildir::deliver(&maildir, raw.as_ref(), self.owner);
            delivered += 1;
        }
        delivered
    }

    /// Delivers into a folder (see [`Dovecot::folder_maildir`]), creating it when missing.
    pub fn deliver_to_folder(&self, user: &str, folder: &str, raw: &[u8]) -> PathBuf {
        let dir = self.folder_maildir(user, Some(folder));
        if !dir.join("new").is_dir() {
            self.create_folder(user, folder);
        }
        maildir::deliver(&dir, raw, self.owner)
    }

    /// How many messages the INBOX (`None`) or a folder holds, read from the Maildir (`new/`
    /// and `cur/`; expunged messages are gone once Dovecot has removed their files).
    pub fn count_messages(&self, user: &str, folder: Option<&str>) -> usize {
        maildir::count(&self.folder_maildir(user, folder))
    }

    /// The raw messages of the user's INBOX, in delivery order.
    pub fn read_messages(&self, user: &str) -> Vec<Vec<u8>> {
        maildir::read_all(&self.maildir(user))
    }

    /// The raw messages of a folder (`None` is the INBOX), in delivery order.
    pub fn read_folder(&self, user: &str, folder: Option<&str>) -> Vec<Vec<u8>> {
        maildir::read_all(&self.folder_maildir(user, folder))
    }

    /// The INBOX's UIDVALIDITY as Dovecot recorded it (`dovecot-uidlist`), once Dovecot has
    /// opened the mailbox.
    pub fn uid_validity(&self, user: &str) -> Option<u32> {
        let list = fs::read_to_string(self.maildir(user).join("dovecot-uidlist")).ok()?;
        let header = list.lines().next()?;
        header
            .split(' ')
            .find_map(|f| f.strip_prefix('V'))
            .and_then(|v| v.parse().ok())
    }

    /// Makes Dovecot forget the INBOX's UIDs, as a mailbox rebuild or a migration between
    /// servers does: it stops, loses the UID list and indexes, and starts again, giving every
    /// message a new UID under a new UIDVALIDITY.
    pub fn forget_uids(&mut self, user: &str) {
        self.stop();
        let maildir = self.maildir(user);
        for entry in fs::read_dir(&maildir).expect("read the Maildir").flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name == "dovecot-uidlist" || name.starts_with("dovecot.index") {
                fs::remove_file(entry.path()).expect("remove an index file");
            }
        }
        self.start_again();
    }

    /// Whether Dovecot is running (started and not exited).
    pub fn is_running(&mut self) -> bool {
        self.process
            .as_mut()
            .is_some_and(|process| process.0.exit_status().is_none())
    }

    /// Freezes every Dovecot process (SIGSTOP): connections stay open and nothing answers, as
    /// with a hung server or a network that silently drops the session. [`Dovecot::thaw`]
    /// undoes it.
    pub fn freeze(&self) {
        if let Some(p) = &self.process {
            p.0.signal_tree("STOP");
        }
    }

    /// Lets a frozen Dovecot go on (SIGCONT).
    pub fn thaw(&self) {
        if let Some(p) = &self.process {
            p.0.signal_tree("CONT");
        }
    }

    /// Stops Dovecot (SIGTERM, at most 10 s, then SIGKILL of every process of the instance);
    /// the ports and mailboxes stay for [`Dovecot::start_again`]. Does nothing when stopped.
    pub fn stop(&mut self) {
        self.thaw();
        if let Some(mut process) = self.process.take() {
            process.0.stop();
        }
    }

    /// Starts Dovecot again after [`Dovecot::stop`], on the same ports with the same data, and
    /// waits until it listens. Does nothing when it is running.
    pub fn start_again(&mut self) {
        if self.is_running() {
            return;
        }
        self.stop();
        let root = self.dir.path();
        let instance = root
            .file_name()
            .and_then(|n| n.to_str())
            .expect("temp dir name");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(WRAPPER)
            .arg("sbtk-dovecot-wrapper")
            .arg(root.join("stderr.log"))
            .arg(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(&self.conf)
            .stdout(fs_log(&root.join("stderr.log")))
            .stderr(fs_log(&root.join("stderr.log")));
        let mut process = Supervised::spawn(cmd, instance, "dovecot");
        let ports = self.ports;
        process.wait_ready(|| ports.iter().all(|&port| port_open(port)), || self.log());
        self.process = Some(SupervisedDebug(process));
    }

    /// Dovecot's log (and anything it printed), for failure messages.
    pub fn log(&self) -> String {
        let root = self.dir.path();
        let mut log = String::new();
        for name in ["dovecot.log", "stderr.log"] {
            let text = fs::read_to_string(root.join(name)).unwrap_or_default();
            let _ = write!(log, "--- {name}\n{text}");
        }
        log
    }

    /// The instance's directory (configuration, logs, `home/<user>/Maildir`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A log file opened for appending, as a child's stdout or stderr.
fn fs_log(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|err| panic!("open {}: {err}", path.display()))
}

/// Who owns the mailboxes: as root, Debian's `mail` user (returned, files must be chowned);
/// otherwise ourselves (`None`), with the settings that make every service run as us.
fn identity() -> (Option<Owner>, String) {
    if process::is_root() {
        let (_, uid, gid) = process::passwd_entry(|name, _| name == "mail")
            .expect("the 'mail' user (Debian's standard uid 8) is missing from /etc/passwd");
        return (Some(Owner { uid, gid }), String::new());
    }
    let uid = process::effective_uid();
    let (user, _, gid) = process::passwd_entry(|_, id| id == uid)
        .unwrap_or_else(|| panic!("uid {uid} is not in /etc/passwd"));
    let group =
        process::group_name(gid).unwrap_or_else(|| panic!("gid {gid} is not in /etc/group"));
    let extra = format!(
        "default_login_user = {user}\ndefault_internal_user = {user}\ndefault_internal_group = {group}\n"
    );
    (None, extra)
}

/// The configuration: everything under `root`, listeners on 127.0.0.1 only.
fn config(
    root: &Path,
    instance: &str,
    ca: &TestCa,
    [imap, imaps, pop3, pop3s]: [u16; 4],
    (uid, gid): (u32, u32),
    extra: &str,
) -> String {
    let root = root.display();
    let cert = ca.cert_path().display();
    let key = ca.key_path().display();
    format!(
        r#"# Written by switchboard-testkit.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
instance_name = {instance}
protocols = imap pop3
listen = 127.0.0.1
first_valid_uid = 1
first_valid_gid = 1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
# Wrong passwords answer at once (default: 2 s).
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
mail_fsync = never
# No stats-writer: otherwise stopping right after starting waits seconds.
stats_writer_socket_path =
# Login and anvil chroots need root; without them the same config runs as non-root.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = {pop3s}
    ssl = yes
  }}
}}
# Tests open many connections for one user from 127.0.0.1 (default limit: 10).
protocol imap {{
  mail_max_userip_connections = 1000
}}
protocol pop3 {{
  mail_max_userip_connections = 1000
}}
{extra}"#
    )
}
