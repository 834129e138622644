# Relais — English texts. Every key also exists in fr/relais.ftl (French is the default).

## Layout
skip-to-content = Skip to content
nav-label = Main navigation
nav-home = Home
nav-my-accesses = Who accessed my record
nav-admin-users = Users
switch-language = Français
sign-out = Sign out
footer-privacy = Relais — your health information is shown only to people entitled to it, and every access is recorded.

## Sign-in
sign-in-title = Sign in
sign-in-submit = Sign in
sign-in-forgot = Forgot your password?
field-email = Email address
field-password = Password
notice-signed-out = You are signed out.
notice-account-exists = You already have an account: sign in to send your readings.
notice-password-changed = Your password was changed. Sign in with the new one.
notice-session-ended = Your session has ended. Please sign in again.

## Second factor
second-factor-title = Verification code
second-factor-intro = Enter the 6-digit code shown by your authenticator app.
field-code = 6-digit code
field-code-hint = The code changes every 30 seconds.
second-factor-submit = Verify
second-factor-restart = Start signing in again

## Setting up the second factor
enrol-title = Protect your account
enrol-intro = Your account gives access to health information: it needs a second factor besides the password.
enrol-step-app = Install an authenticator app on your phone (for example FreeOTP, Aegis or Google Authenticator).
enrol-step-scan = In the app, add an account by scanning this QR code:
enrol-qr-caption = QR code to set up the authenticator app
enrol-step-type = Or type this key by hand:
enrol-step-confirm = Enter the code the app shows now.
enrol-submit = Turn on the second factor

## Password reset
reset-title = Forgot your password
reset-intro = Enter your account's email address. We will send you a link to choose a new password.
reset-submit = Send the link
reset-sent = If an account exists for this address, an email with a link has just been sent. The link works for { $minutes } minutes and only once.
back-to-sign-in = Back to sign-in
reset-complete-title = Choose a new password
field-new-password = New password
field-new-password-hint = At least { $min } characters. A passphrase is easier to remember.
field-confirm-password = Confirm the new password
reset-complete-submit = Change the password

## Form errors
error-sign-in-failed = The email address or password is wrong, or the account is locked for a while. Try again or reset your password.
error-second-factor-invalid = This code is not valid or was already used. Enter the code shown now.
error-session-invalid = Your session has ended. Please sign in again.
error-second-factor-required = Enter your verification code first.
error-second-factor-not-expected = No code is expected for this session. Please sign in again.
error-totp-already-enrolled = A second factor is already set up for this account.
error-totp-enrolment-missing = The setup has expired. Start again from the QR code.
error-reset-token-invalid = This reset link no longer works (already used or expired). Ask for a new one.
error-password-too-short = The password must have at least { $min } characters.
error-password-too-long = The password must have at most { $max } characters.
error-password-blank = The password cannot be only spaces.
error-passwords-differ = The two passwords are not the same.
error-required = This field is required.
error-email-invalid = Enter a valid email address, such as name@example.ca.
error-form-invalid = The form could not be read. Please try again.
error-too-many-attempts = Too many attempts from your connection. Wait a minute before trying again.
error-server-error = Something went wrong on our side. Nothing was lost; try again in a moment.

## Error pages
error-home = Back to home
error-not-found-title = Page not found
error-not-found = This page does not exist, or you do not have access to it.
error-forbidden-title = Access denied
error-forbidden = Your role does not give access to this page.
error-server-title = Server error
error-too-many-title = Too many attempts
error-form-invalid-title = Form not readable

## Home
home-title = Home
home-greeting = Hello, { $name }
home-roles = Your roles:
home-my-accesses = See who accessed your record, when and why.
home-admin-users = Create accounts, assign roles, disable an account.

## Who accessed my record
accesses-title = Who accessed my record
accesses-intro = Every access to your record is recorded. Here is who accessed it, when, and what was done. An emergency access (break-the-glass) is flagged and reviewed by the privacy officer.
accesses-none = Nobody has accessed your record yet.
accesses-caption = Accesses to your record, newest first
accesses-when = When
accesses-who = Who
accesses-what = What
accesses-outcome = Outcome
accesses-break-glass = Emergency access
accesses-older = Older accesses
accesses-application = Application “{ $name }”
accesses-unknown-actor = System or authorised application
accesses-record = your record

## Recorded actions
action-read = Viewed
action-vread = Viewed an earlier version
action-history = Viewed the history
action-search = Searched
action-create = Added
action-update = Changed
action-delete = Deleted
action-export = Exported or printed
action-sign-in = Signed in
action-sign-in-failed = Sign-in refused
action-sign-out = Signed out
action-sign-out-everywhere = Signed out on every device
action-lock-out = Account locked
action-password-reset-request = Password reset requested
action-password-reset = Password reset
action-totp-enrol = Second factor set up
action-invitation-use = Invitation used
action-break-glass = Emergency access (break-the-glass)
action-break-glass-review-list = Review of emergency accesses
action-break-glass-review = Review of an emergency access
outcome-success = Done
outcome-denied = Refused
outcome-failed = Failed

## Roles
role-patient = Patient
role-caregiver = Caregiver
role-nurse = Nurse
role-physician = Physician
role-specialist = Specialist physician
role-on-call-neurologist = On-call neurologist
role-therapist = Therapist
role-long-term-care-staff = Long-term care staff
role-infection-control = Infection control
role-judge = Judge
role-court-clerk = Court clerk
role-lawyer = Lawyer
role-privacy-officer = Privacy officer
role-administrator = Administrator

## Work queues
queues-title = Work queues
queue-mine = My tasks
queue-unclaimed = To claim
queue-empty = No task in this queue.
queue-nobody = Nobody
queue-claim = Claim
queue-assign = Assign
queue-assign-label = Assign “{ $task }” to
queue-filter-priority = Priority
queue-filter-all = All
queue-sort = Sort by
queue-sort-priority = Priority, then due time
queue-sort-due = Due time
queue-sort-newest = Newest
queue-filter-apply = Apply
queue-col-priority = Priority
queue-col-task = Task and patient
queue-col-due = Due
queue-col-status = Status
queue-col-owner = Owner
queue-col-actions = Actions
queue-updated = The queue was updated.
queue-due-in = in { $time }
queue-overdue-by = { $time } overdue
duration-minutes = { $m } min
duration-hours = { $h } h { $m } min
duration-days = { $d } d { $h } h
priority-stat = Immediate
priority-asap = As soon as possible
priority-urgent = Urgent
priority-routine = Routine
task-status-draft = Draft
task-status-requested = Requested
task-status-received = Received
task-status-accepted = Accepted
task-status-rejected = Rejected
task-status-ready = Ready
task-status-cancelled = Cancelled
task-status-in-progress = In progress
task-status-on-hold = On hold
task-status-failed = Failed
task-status-completed = Completed
task-status-entered-in-error = Entered in error
error-account-not-linked = Your account is not linked to a professional: it cannot receive tasks. Ask the administrator to link it.
error-task-changed = Someone changed this task in the meantime. The queue now shows where it stands.
error-task-not-claimable = This task already has an owner or is no longer open.
error-task-not-found = This task does not exist or you do not have access to it.
error-task-forbidden = Your role does not allow changing this task.

## Patient portal
portal-appointments = My upcoming appointments
portal-appointments-none = No upcoming appointment.
portal-with = With { $names }
portal-messages = My messages
portal-messages-none = No message.
portal-from-care-team = Your care team
appointment-status-proposed = Proposed
appointment-status-pending = Waiting for confirmation
appointment-status-booked = Confirmed
appointment-status-arrived = Arrived
appointment-status-fulfilled = Done
appointment-status-cancelled = Cancelled
appointment-status-noshow = Missed
appointment-status-checked-in = Checked in
appointment-status-waitlist = Waiting list
appointment-what-unspecified = Appointment

## Account administration
admin-users-title = Users
admin-users-new = Create an account
admin-users-caption = { $count ->
    [0] No account
    [one] { $count } account
   *[other] { $count } accounts
}
admin-col-name = Name and email
admin-col-roles = Roles
admin-col-second-factor = Second factor
admin-col-status = State
admin-col-actions = Actions
admin-yes = Yes
admin-no = No
admin-active = Active
admin-disabled-since = Disabled since { $date }
admin-enable = Enable
admin-disable = Disable
admin-reset-second-factor = Reset the second factor
admin-done-created = The account was created.
admin-done-disabled = The account was disabled; all its sessions ended.
admin-done-enabled = The account was enabled again.
admin-done-second-factor-reset = The second factor was reset: the person will set up a new one at their next sign-in.
admin-new-title = Create an account
admin-field-name = Display name
admin-field-password = Initial password
admin-field-roles = Roles
admin-field-specialty = Specialty
admin-field-specialty-hint = Only for a specialist physician (for example dermatology).
admin-field-organisation = Organisation
admin-field-practitioner = Professional (Practitioner)
admin-field-practitioner-hint = The professional's FHIR id, for staff.
admin-field-patient = Patient
admin-field-patient-hint = The record's FHIR id, required for a patient account.
admin-field-related-person = Relative (RelatedPerson)
admin-field-related-person-hint = The caregiver's FHIR id, required for a caregiver account.
admin-new-submit = Create the account
admin-back-to-users = Back to users
error-not-administrator = Only an administrator can manage accounts.
error-cannot-disable-self = You cannot disable your own account.
error-cannot-remove-own-administrator = You cannot remove your own administrator role.
error-last-administrator = At least one active administrator must remain.
error-account-not-found = This account does not exist.
error-display-name-invalid = The name holds characters that are not allowed.
error-display-name-required = Enter the person's name.
error-email-taken = An account already uses this email address.
error-locale-unsupported = Language not supported.
error-patient-id-required = A patient account must be linked to its record.
error-related-person-id-required = A caregiver account must be linked to its relative's entry.
error-roles-required = Tick at least one role.
error-role-unknown = Unknown role.
error-specialty-without-specialist = A specialty applies only to the specialist physician role.
error-audit-unavailable = The audit trail is unavailable: nothing was changed. Try again in a moment.

## Patient search and the chart
nav-patients = Patients
home-patients = Find a patient you have access to and open their chart.
patients-title = Find a patient
patients-intro = Only the patients you have access to appear: those of your care teams, those assigned to you and those whose record you opened in an emergency. Every search is recorded.
field-patient-query = Name or health card number
field-patient-query-hint = For example “Gagné” or “GAGL 4803 1401”.
patients-submit = Search
patients-caption = Patients found
patients-name = Name
patients-birth-date = Date of birth
patients-health-card = Health card number
patients-none = No patient you have access to matches this search.
error-query-too-short = Type at least { $min } characters.
error-query-invalid = This search could not be made. Type a name or a health card number.
chart-identity = Patient identity
chart-birth-date = Date of birth
chart-age = age { $years }
chart-sex = Sex
chart-health-card = Health card number
chart-not-recorded = Not recorded
sex-male = Male
sex-female = Female
sex-other = Other
sex-unknown = Unknown
chart-allergies = Allergies
chart-allergies-none = No allergy recorded.
chart-criticality-high = high criticality
chart-flags = Active alerts
chart-vitals = Vital signs
chart-vitals-none = No vital sign measured yet.
chart-thresholds-note = Shaded areas are the alert thresholds (NEWS2 by default, until the patient’s own thresholds are set).
chart-timeline = Timeline
chart-timeline-none = Nothing in the record yet.
chart-timeline-more = The { $count } most recent items are shown.
chart-no-summary = (no description)
chart-label = { $title }, { $period } — number of measurements: { $count }
chart-when = Date and time
kind-encounter = Encounter
kind-measurement = Measurement
kind-questionnaire = Questionnaire
kind-photo = Photo
kind-note = Note
kind-alert = Alert
vital-heart-rate = Heart rate
vital-blood-pressure = Blood pressure
vital-systolic = Systolic
vital-diastolic = Diastolic
vital-spo2 = Oxygen saturation (SpO2)
vital-temperature = Temperature
vital-weight = Weight
vital-respiratory-rate = Respiratory rate

## Emergency access (break-the-glass)
break-glass-title = Record not available
break-glass-not-open = This record does not exist, or it is not open to you: you are not on this patient's care team.
break-glass-heading = Emergency access
break-glass-explain = In an emergency you may open this record, read-only, by saying why. The access is limited in time, shown to the patient and reviewed by the privacy officer.
break-glass-reason = Reason for the emergency access
break-glass-reason-hint = Describe the situation in a few words (for example: unconscious patient in the emergency room, allergies to check).
break-glass-minutes = Length of the access
break-glass-submit = Open the record in an emergency
break-glass-back = Back to patient search
break-glass-duration = { $minutes ->
    [60] 1 hour
   *[other] { $minutes } minutes
}
break-glass-duration-hours = { $hours } hours
error-break-glass-reason-required = Give the reason for the emergency access (a few words at least).
error-break-glass-minutes-invalid = Choose one of the lengths offered.
error-break-glass-too-long = The reason is too long (1000 characters at most).
error-break-glass-not-clinician = Only a clinician may open a record in an emergency.
error-patient-not-found = No record has this id.

# Issue 5 — the patient's own measurements, organisations and sites, editing roles.
nav-my-measurements = My measurements
home-my-measurements = Your measured vital signs and how they change, with the alert thresholds.
measurements-title = My measurements
measurements-none = No measurement has been recorded in your record yet.
measurements-latest = My latest values
measurements-trends = Trends
nav-admin-organisations = Organisations
home-admin-organisations = The organisations and their sites; create new ones.
orgs-title = Organisations and sites
orgs-none = No organisation yet. Create the first one below.
orgs-identifier = Identifier: { $value }
orgs-sites = Sites
orgs-sites-none = No site yet.
orgs-new-title = Create an organisation
orgs-field-name = Organisation name
orgs-field-identifier = Identifier
orgs-field-identifier-hint = Optional, for example the facility number.
orgs-new-submit = Create the organisation
sites-new-title = Create a site
sites-field-name = Site name
sites-field-line = Address
sites-field-city = City
sites-field-organisation = Organisation
sites-new-submit = Create the site
orgs-done-organisation = The organisation was created.
orgs-done-site = The site was created.
error-text-too-long = Enter at most 200 characters, without line breaks.
error-organisation-unknown = This organisation does not exist. Choose one from the list.
error-directory-forbidden = Only an administrator can create organisations and sites.
admin-edit-roles = Edit roles
admin-roles-title = Account roles
admin-roles-submit = Save the roles
admin-done-roles-saved = The roles were saved.

## Teleconsultation (issue 6): appointments, invitations, consent, the visit
nav-visits = Video appointments
visits-title = Video visits
visits-schedule = Schedule
visits-show = Show
visits-no-schedule = No schedule is open for booking.
visits-book-heading = Book an appointment
visits-no-free-slot = No free slot ahead in this schedule.
visits-field-slot = Time slot
visits-field-patient = Patient
visits-choose-patient = Choose a patient
visits-book = Book and send the invitation
visits-slots-caption = Upcoming slots of this schedule
visits-when = Date and time
visits-status = Status
visits-patient = Patient
visits-slot-free = Free
visits-slot-busy = Booked
visits-slot-busy-unavailable = Unavailable
visits-slot-busy-tentative = Tentatively booked
visits-slot-entered-in-error = Entered in error
visit-title = Video visit
visit-what = Reason
visit-with = With
visit-consent = Consent to care at a distance
visit-consent-not-required = Not required for this service
visit-consent-granted = Given
visit-consent-missing = Never given
visit-consent-withdrawn = Withdrawn
visit-consent-refused = Refused
visit-consent-outdated = Given on an earlier version of the information text: ask again
visit-running-heading = Visit in progress
visit-rejoin = Go back to the room
visit-note = Visit note
visit-outcome = Outcome
visit-outcome-follow-up = Another video visit to plan
visit-outcome-completed = No follow-up needed
visit-outcome-in-person = See the patient in person
visit-outcome-referred = Referred to another service
visit-end = End the visit and save the note
visit-start-heading = Start the visit
visit-consent-needed = This service requires the patient's consent to care at a distance. Explain the information text; if they agree, record their consent before starting.
visit-record-consent = The patient consents: record their consent
visit-start = Start the video visit
visit-no-show = The patient did not come
visit-cancel = Cancel the appointment
visit-guest-heading = Invite a caregiver or an interpreter
visit-guest-explain = They receive their own link to this visit by email, with the calendar entry and the reminders.
visit-guest-name = Name
visit-guest-email = Email
visit-guest-role = Role
visit-guest-role-caregiver = Caregiver
visit-guest-role-interpreter = Interpreter
visit-guest-language = Language of the emails
visit-language-fr = French
visit-language-en = English
visit-guest-submit = Send the invitation
visit-back = Back to video visits
visit-done-booked = The appointment is booked and the invitation is on its way by email.
visit-done-booked-no-email = The appointment is booked. The patient's record has no email address: tell them another way.
visit-done-consent = The patient's consent to care at a distance is recorded.
visit-done-invited = The invitation is sent.
visit-done-cancelled = The appointment is cancelled; the patient and the invited guests are told.
visit-done-no-show = The patient's absence is recorded.
visit-done-ended = The visit is over and the note is saved.
error-visit-forbidden = Only clinicians and care staff manage visits.
error-visit-slot-not-found = This slot does not exist. Choose one from the list.
error-visit-slot-taken = This slot has just been booked. Choose another one.
error-visit-slot-past = This slot has already begun. Choose one ahead.
error-visit-appointment-not-found = This appointment does not exist or is not open to you.
error-visit-patient-not-found = Choose a patient from the list.
error-visit-cancelled = This appointment is cancelled.
error-visit-finished = This visit is already over.
error-visit-not-started = The visit has not started.
error-visit-not-due = The appointment has not begun yet: the absence cannot be recorded.
error-visit-changed-meanwhile = The appointment changed meanwhile. Reload the page and try again.
error-consent-missing = The visit cannot start: this service requires the patient's consent to care at a distance, and they have never given it.
error-consent-withdrawn = The visit cannot start: the patient has withdrawn their consent to care at a distance.
error-consent-refused = The visit cannot start: the patient has refused care at a distance.
error-consent-outdated = The visit cannot start: the patient's consent is on an earlier version of the information text. Ask again.
error-visit-note-required = Write the visit note.
error-visit-note-too-long = The note is longer than 20,000 characters.
error-visit-outcome-invalid = Choose the outcome from the list.
error-visit-guest-name-invalid = Enter the person's name (at most 200 characters).
error-visit-guest-email-invalid = Enter a valid email address, for example name@example.ca.
visit-mail-what = Video visit
visit-mail-invitation-subject = Relais: your video visit on { $when }
visit-mail-invitation-body =
    Hello { $name },

    You are invited to a video visit: { $what }, on { $when }.

    When the time comes, open this link on a computer, tablet or phone with a camera and microphone:

    { $link }

    This link is yours alone: do not pass it on. The calendar entry is attached to this email.
visit-mail-reminder-subject = Reminder: video visit on { $when }
visit-mail-reminder-body =
    Hello { $name },

    Reminder: your video visit ({ $what }) is in { $lead }, on { $when }.

    To join it, open this link:

    { $link }
visit-mail-cancel-subject = Cancelled: video visit on { $when }
visit-mail-cancel-body =
    Hello { $name },

    Your video visit ({ $what }) on { $when } is cancelled. Your care team will offer you another time.
## Video visits (issue 6)
nav-video = Video rooms
video-rooms-title = Video rooms
video-rooms-explain = Open a video visit room: you will be its host. You can then invite the patient, a relative or an interpreter.
video-rooms-open = Open a room
video-room-title = Video visit
video-check-title = Check before entering
video-check-you-are = You will enter as { $name }.
video-preview-label = Your camera preview
video-mic-level = Microphone level
video-check-camera = Camera
video-check-mic = Microphone
video-check-network = Connection to the server
video-check-ok = works
video-check-failed = does not work
video-advice-camera-denied = The browser may not use the camera or microphone. Allow them with the camera icon in the address bar, then reload the page.
video-advice-camera-missing = No camera or microphone was found. Plug them in, close other applications using them, then reload the page.
video-advice-mic-silent = Your microphone picks up no sound. Check that it is not muted and that it is the one chosen in the browser's settings.
video-advice-network = The connection to the video server failed. Try another network (for example Wi-Fi rather than a facility's network), or call the clinic.
video-join = Enter
video-join-observe = Enter as an observer
video-lobby-title = Waiting room
video-lobby-wait = You are in the waiting room. The professional will let you in shortly; keep this page open.
video-call-title = The call
video-mute-self = Mute my microphone
video-unmute-self = Unmute my microphone
video-camera-off = Stop my camera
video-camera-on = Start my camera
video-leave = Leave
video-end = End for everyone
video-waiting-title = Waiting to enter
video-admit = Let in
video-refuse = Refuse
video-chat-title = Messages
video-chat-label = Message
video-chat-send = Send
video-invite-title = Invite to this room
video-invitee = Name of the person invited
video-invite-create = Create the link
video-invite-link = Link to pass on (single use)
video-invite-failed = The link could not be created. Give the name of the person invited.
video-host-mute = Mute their microphone
video-host-stop-camera = Stop their camera
video-host-remove = Remove from the room
video-you = you
video-muted = microphone muted
video-camera-stopped = camera stopped
video-connecting = Connecting…
video-in-call = You are in the call.
video-host-muted-you = The host muted your microphone or stopped your camera. You can turn them back on.
video-error = A request did not go through.
video-closed-title = The call is over
video-closed-ended = The host ended the visit.
video-closed-removed = The host removed you from the room.
video-closed-refused = The host did not let you in.
video-closed-timed-out = The connection was lost for too long.
video-closed-left = You left the call.
video-closed-lost = The connection with the server was lost. Reload the page to come back.
video-not-invited-title = Access refused
video-not-invited = This room is for invited people only. Open the invitation link you received.
video-ended-title = Visit over
video-ended = This video visit is over.
video-unavailable-title = Video unavailable
video-unavailable = Video visits are not available on this server at the moment.
video-link-invalid-title = Invalid link
video-link-invalid = This invitation link is not valid: it may have expired, been revoked or already been used. Ask the clinic for a new link.
video-link-not-a-visit = This link does not open a video visit.

visits-open-heading = Open time slots
visits-open-date = Day
visits-open-time = Start of the first slot
visits-open-time-hint = Local time, for example 09:00.
visits-open-minutes = Length of each slot (minutes)
visits-open-count = Number of consecutive slots
visits-open-count-hint = From 1 to 40.
visits-open-submit = Open these slots
visit-done-opened = The slots are open for booking.
error-visit-slots-date-invalid = Enter the day as YYYY-MM-DD, for example 2026-12-03.
error-visit-slots-time-invalid = Enter the time as HH:MM, for example 09:00.
error-visit-slots-minutes-invalid = Enter a length from 5 to 240 minutes.
error-visit-slots-count-invalid = Enter a number of slots from 1 to 40.
error-visit-slots-past = The first slot would start in the past. Choose a time ahead.
error-visit-slots-overlap = These slots would overlap a slot already open on this schedule. Choose another time.
video-join-link-title = Your video visit
video-join-link-intro = You are invited to a video visit. The link works once: go in when you are ready, from the device you will use for the visit.
video-join-link-submit = Join the visit
video-quality-label = Connection quality:
video-quality-unknown = measuring
video-quality-good = good
video-quality-fair = fair (the picture may freeze at times)
video-quality-poor = poor (turn your camera off or move closer to the Wi-Fi)
video-save-data = Save data
video-save-data-hint = Others' video comes in lower quality: useful on a mobile plan or a slow connection.
video-reconnecting = Connection lost, reconnecting…
video-closed-replaced = You joined the call from another window or device.
video-screen-share = Share screen
video-screen-stop = Stop sharing screen
video-screen-mine = You are sharing your screen.
video-screen-by = Screen shared by { $name }
video-screen-busy = One shared screen at a time: { $name } is already sharing theirs.
video-screen-failed = Screen sharing did not start (refused, or not possible in this browser).
video-screen-moved = Your screen sharing stopped because you changed rooms.
video-side-title = Side rooms
video-side-explain = To let a few people talk apart (for example the nurse and the caregiver), tick "Pick for a side room" on their tiles, then send them to a side room. The others keep their call.
video-side-pick = Pick for a side room
video-side-open = Send to a side room
video-side-none-picked = First tick at least one person in the main room.
video-side-none = No side room open.
video-side = Side room
video-side-return = Bring back
video-side-you = You are in a side room; only these people see and hear you:
video-side-leave = Return to the main room
video-side-away = in a side room
video-side-main = in the main room
# Home monitoring: the patient's readings, enrolment and thresholds, programs (issue 7, issue 5)
nav-my-readings = My readings
nav-admin-programs = Programs
chart-monitoring-link = Home monitoring: enrolment and thresholds
readings-title = My readings
readings-advice = Important
readings-not-enrolled = You do not follow a home-monitoring program. Your care team enrols you when it is needed.
readings-program = Your program: { $program }
readings-send = Send
readings-yes = Yes
readings-no = No
readings-due = To do today
readings-done = Done for today
readings-missed = { $count ->
    [one] { $count } missed over the last 7 days
   *[other] { $count } missed over the last 7 days
}
readings-last = last: { $when }
readings-never = nothing received yet
readings-range = Expected between { $low } and { $high } { $unit }
readings-recorded = Thank you, it was received. Your care team sees it.
readings-form-error = Something is missing or wrong below. What you typed is kept.
homecare-error-missing = Answer this question, or type the value.
homecare-error-not-an-option = Choose one of the answers offered.
homecare-error-not-a-number = Type a number, for example 72 or 72.5.
homecare-error-implausible = This value seems impossible: it should be between { $low } and { $high } { $unit }. Measure again and check what you typed.
homecare-title = Home monitoring
homecare-back = Back to { $name }'s chart
homecare-enrolled = Current program
homecare-program = Program
homecare-since = Since
homecare-devices = Devices
homecare-no-device = none
homecare-devices-hint = Serial numbers of the devices handed to the patient, one per line (optional).
homecare-discharge = Discharge from the program
homecare-overrides = This patient's thresholds
homecare-overrides-none = This patient follows the program's thresholds.
homecare-rule = Rule
homecare-limit = Patient's limit
homecare-default-limit = Program's limit
homecare-reason = Reason
homecare-set-by = Set by
homecare-actions = Actions
homecare-remove = Remove
homecare-new-limit = New limit
homecare-limit-hint = Written like the program: an operator then a number, for example "> 120" or "<= 88".
homecare-set-limit = Set this patient's limit
homecare-enrol-heading = Enrol in a program
homecare-not-enrolled = This patient follows no home-monitoring program.
homecare-enrol = Enrol
homecare-done-enrolled = The patient is enrolled. They see their forms under "My readings".
homecare-done-discharged = The patient is discharged; their devices are free again.
homecare-done-override = The patient's limit is saved. It applies from the next reading.
homecare-done-removed = The limit was removed: the program's applies again.
homecare-done-enrolled-invited = The patient is enrolled. They will get an email with their instructions and the link to "My readings".
homecare-done-enrolled-no-address = The patient is enrolled, but no invitation could be sent: their record has no email address. Give them their instructions and the link to "My readings" yourself.
homecare-mail-enrolled-subject = Your home monitoring: { $program }
homecare-mail-enrolled-body =
    Hello { $name },

    Your care team has enrolled you in the home-monitoring program "{ $program }".

    What you are asked to do:
    { $items }

    Send your readings and answers on your "My readings" page:

    { $link }

    No Relais account yet? Choose your password with this personal link (valid { $days } days, once only; do not forward it):

    { $account_link }

    If you already have an account, simply sign in.
welcome-title = Create your account
welcome-intro = Choose the password of your Relais account. You can then send your readings and sign in with your email address.
welcome-submit = Create my account
welcome-invalid-title = Link not valid
welcome-invalid = This link can no longer create an account: it has already been used, it has expired or it was cancelled. If you already have an account, sign in; otherwise ask your care team for a new link.
welcome-account-exists = An account already exists for your email address. Sign in with it.
welcome-no-email = Your record no longer has an email address: ask your care team to create your account.
homecare-escalated-note = Not acknowledged within { $minutes } min: passed to { $assignee }.
homecare-mail-item-daily = – { $what }: once a day
homecare-mail-item = – { $what }: once every { $hours } hours
error-unknown-program = Choose one of the programs offered.
error-already-enrolled = This patient already follows a program. Discharge them first.
error-device-serial-invalid = A serial number is too long or holds a character that is not allowed.
error-too-many-devices = At most ten devices per enrolment.
error-not-enrolled = This patient follows no home-monitoring program.
error-limit-invalid = Write an operator then a number, for example "> 120".
error-reason-required = Give the reason for this patient's limit (1000 characters at most).
error-rule-not-overridable = Choose one of the rules offered.
programs-title = Monitoring programs
programs-id = Identifier
programs-version = Version
programs-source = Source
programs-source-default = shipped with Relais
programs-source-file = data folder file { $file }
programs-measurements = Measurements
programs-name = Name
programs-unit = Unit
programs-every = Every
programs-plausible = Plausible values
programs-hours = { $hours } h
programs-questionnaires = Questionnaires
programs-rules = Rules and thresholds
programs-rule = Rule
programs-condition = Condition
programs-severity = Severity
programs-advice = Advice to the patient
programs-building-block = used by composite rules only
programs-advice-texts = Advice texts
programs-escalation = Escalation
programs-how-to-change = The programs in force. An administrator changes a program's thresholds, frequencies and texts with its "Edit" button: the change is checked, saved in { $folder } with a new version, and applies from the next reading, without a restart.
programs-edit-link = Edit "{ $program }"
programs-edit-title = Edit the program "{ $program }"
programs-edit-back = Back to the programs
programs-edit-how = This form starts from version { $version }. When saved, the program and each changed rule move to their next version, the data folder's file is rewritten, and each patient's next reading is evaluated under the new values. Alerts already raised keep their version. The structure of the rules is not changed here.
programs-edit-every-hours = Every (hours)
programs-edit-plausible-low = Lowest plausible value
programs-edit-plausible-high = Highest plausible value
programs-edit-when = Threshold (with its operator, e.g. > 160)
programs-edit-window-hours = Window (hours)
programs-edit-min-readings = At least (readings)
programs-edit-within-hours = Within (hours)
programs-edit-after-hours = After (hours without data)
programs-edit-set-window-minutes = Set of readings (minutes)
programs-edit-severity = Severity
programs-edit-after-minutes = Time before escalation (minutes)
programs-edit-text-fr = Text in French
programs-edit-text-en = Text in English
programs-edit-save-title = Save the change
programs-edit-reason = Reason for the change
programs-edit-reason-hint = Required. It is kept on the audit trail with your name and the versions.
programs-edit-save = Save a new version
programs-edit-saved = Program "{ $program }" saved: version { $version }, in force now.
programs-error-fields = The program was not changed. Correct the fields marked below.
programs-error-limit-invalid = Write the threshold with its operator then a number, for example > 160, >= 135, < 4.0 or <= 90.
programs-error-whole-number = Type a whole number, 1 or more.
programs-error-number = Type a number, for example 20 or 72.5.
programs-error-plausible-invalid = The lowest value must be smaller than the highest.
programs-error-text-required = This text cannot be empty.
programs-error-severity-invalid = Choose a severity from the list.
programs-error-not-editable = This value is not changed here.
programs-error-program-invalid = The changed program would not be valid; nothing was saved.
programs-error-reason-required = Say why the program changes (1000 characters at most).
programs-error-program-stale = Someone saved a new version of this program since this form was opened; nothing was saved. Open the form again to start from that version; what you typed stays shown here.
programs-error-program-unchanged = No value changed: nothing was saved.
programs-error-programs-read-only = This server has no data folder for programs: they are not changed here.
programs-error-programs-folder-invalid = Another file of the programs folder is invalid; nothing was saved. See the server's log.
programs-error-program-not-written = The program file could not be written; nothing changed.
homecare-severity-low = low
homecare-severity-moderate = moderate
homecare-severity-high = high
## Triage of home-monitoring alerts (issue 7)
nav-triage = Triage
triage-title = Alert triage
triage-intro = Open home-monitoring alerts of the patients you follow, most severe first, then oldest first. The list updates itself.
triage-open-alerts = Open alerts
triage-empty = No open alert.
triage-updated = The alerts were updated.
triage-col-severity = Severity
triage-col-alert = Alert and patient
triage-col-since = Since
triage-waiting = for { $time }
triage-acknowledge = Acknowledge
triage-call = Call
triage-call-note = Call note
triage-call-record = Record the call
triage-video = Video visit
triage-resolve = Resolve
triage-outcome = Outcome
triage-outcome-choose = Choose…
triage-note = Note
triage-resolve-submit = Resolve the alert
triage-outcome-advice-given = Advice given
triage-outcome-treatment-adjusted = Treatment adjusted
triage-outcome-escalated = Passed to the physician
triage-outcome-emergency = Sent to the emergency department
triage-outcome-no-action-needed = No action needed
severity-high = High
severity-moderate = Moderate
severity-low = Low
error-outcome-required = Choose the outcome.
error-note-required = Say in a note to whom and why the alert is passed on.
error-note-too-long = The note is longer than 2000 characters.
error-alert-not-open = This alert is already closed.
triage-done-acknowledged = Alert acknowledged.
triage-done-called = Call recorded.
triage-done-resolved = Alert resolved.
## Home-monitoring cohort (issue 7)
nav-cohort = Cohort
triage-to-cohort = See the cohort: each followed patient's risk, adherence and trends
cohort-title = Home-monitoring cohort
cohort-intro = The enrolled patients you follow, most at risk first: open alerts (most severe first), then the highest NEWS2 score, then the lowest adherence. Adherence counts the periods of the last 7 days in which a reading came in, out of those the program expects. The shaded areas of the charts are the alert limits of the program, or those set for the patient.
cohort-to-triage = Go to the open alerts
cohort-patients = Enrolled patients
cohort-empty = No enrolled patient among those you follow.
cohort-program = Program
cohort-alerts = Open alerts
cohort-alerts-none = None
cohort-news2 = NEWS2 (latest set)
cohort-news2-value = { $total } ({ $band } risk)
cohort-news2-none = No complete set this week
cohort-news2-not-scored = Not scored by this program
cohort-band-low = low
cohort-band-low-medium = low-medium
cohort-band-medium = medium
cohort-band-high = high
cohort-adherence = Adherence (7 days)
cohort-adherence-value = { $received } of { $due } expected ({ $percent }%)
cohort-adherence-none = Nothing expected yet
cohort-last = Last reading
cohort-last-none = None this week
cohort-thresholds-link = Enrolment and thresholds
cohort-limit = Alert
cohort-limit-own = Alert (patient's own limit)
cohort-chart-summary = Last value: { $last } { $unit } ({ $when }); 7-day range: { $range } { $unit }; { $received } of { $due } expected.
cohort-chart-empty = No reading over 7 days; { $received } of { $due } expected.
## Home devices' tokens (issue 7)
nav-admin-devices = Devices
devices-title = Home devices' tokens
devices-intro = A device lent to a patient (scale, blood-pressure cuff, oximeter, gateway) sends its readings with a token. Give the device's id or serial number to see its tokens, issue one or revoke one. A token is shown only once, when it is issued; only its hash is kept. Every issue and revocation is on the audit trail.
devices-field-device = Device id or serial number
devices-field-device-hint = The id of its Device resource, or the serial number given when the patient was enrolled.
devices-show = Show its tokens
devices-tokens-of = Tokens of device
devices-tokens-none = This device has no token.
devices-col-label = Label
devices-col-issued = Issued
devices-col-state = State
devices-no-label = (no label)
devices-state-active = active
devices-state-revoked = revoked { $when }
devices-revoke = Revoke
devices-field-label = Label of the new token
devices-field-label-hint = Optional: where the device is, for example "scale, living room".
devices-issue = Issue a token
devices-issued-title = New token
devices-issued-once = Copy this token into the device now: it will never be shown again.
devices-issued-token = Token
devices-done-issued = The token is issued.
devices-done-revoked = The token is revoked: the device is refused from now on.
error-device-unknown = No device has this id.
error-device-label-invalid = The label is over 100 characters or holds a control character.
error-device-token-unknown = This token does not exist or was already revoked.
## Review queue of readings (issue 7)
triage-review-badge = { $count ->
    [one] 1 reading to review
   *[other] { $count } readings to review
}
review-title = Readings to review
review-intro = Readings received that the program could not count (implausible value, unknown unit, measurement outside the program, unreadable value), of the patients you follow, newest first. Accept an implausible value that was really measured so that it counts, or mark the reading entered in error.
review-waiting = Readings waiting
review-empty = No reading to review.
review-empty-older = No older reading.
review-older = Older readings
review-newest = Back to the newest readings
review-col-reading = Reading and patient
review-col-reason = Reason
review-col-measured = Measured
review-device = Device: { $device }
review-accept = Accept as measured
review-error = Entered in error
review-note = Note (required)
review-error-submit = Mark entered in error
review-reason-implausible = Implausible value
review-reason-unit = Unit cannot be converted
review-reason-unknown-code = Measurement outside the program
review-reason-not-a-number = Unreadable value
review-not-acceptable = The program cannot read this reading: it cannot be accepted, only marked entered in error.
review-done-accepted = Reading accepted: it now counts and the patient was evaluated again.
review-done-entered-in-error = Reading marked entered in error.
error-review-note-required = Say in a note why this reading is wrong.
error-review-note-too-long = The note is longer than 1000 characters.
error-review-not-acceptable = Only an implausible value can be accepted as measured.
error-review-already-done = This reading was already reviewed by { $by }.
error-review-changed = This reading changed since you opened it. The list now shows where it stands.
error-review-not-found = This reading does not exist or you may not see it.
error-review-forbidden = You may not change this reading.
error-review-page-gone = That page of the list no longer exists: here are the newest readings.
