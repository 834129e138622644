# Relais — textes français (langue par défaut). Chaque clé existe aussi dans en/relais.ftl.

## Mise en page
skip-to-content = Aller au contenu
nav-label = Navigation principale
nav-home = Accueil
nav-my-accesses = Qui a consulté mon dossier
nav-admin-users = Utilisateurs
switch-language = English
sign-out = Se déconnecter
footer-privacy = Relais — vos renseignements de santé ne sont montrés qu’aux personnes autorisées, et chaque consultation est journalisée.

## Connexion
sign-in-title = Connexion
sign-in-submit = Se connecter
sign-in-forgot = Mot de passe oublié?
field-email = Adresse courriel
field-password = Mot de passe
notice-signed-out = Vous êtes déconnecté.
notice-account-exists = Vous avez déjà un compte : connectez-vous pour envoyer vos relevés.
notice-password-changed = Votre mot de passe a été changé. Connectez-vous avec le nouveau.
notice-session-ended = Votre session a pris fin. Connectez-vous de nouveau.

## Deuxième facteur
second-factor-title = Code de vérification
second-factor-intro = Entrez le code à 6 chiffres affiché par votre application d’authentification.
field-code = Code à 6 chiffres
field-code-hint = Le code change toutes les 30 secondes.
second-factor-submit = Vérifier
second-factor-restart = Recommencer la connexion

## Mise en place du deuxième facteur
enrol-title = Protéger votre compte
enrol-intro = Votre compte donne accès à des renseignements de santé : il faut un deuxième facteur en plus du mot de passe.
enrol-step-app = Installez une application d’authentification sur votre téléphone (par exemple FreeOTP, Aegis ou Google Authenticator).
enrol-step-scan = Dans l’application, ajoutez un compte en balayant ce code QR :
enrol-qr-caption = Code QR de configuration de l’application d’authentification
enrol-step-type = Ou entrez cette clé à la main :
enrol-step-confirm = Entrez le code que l’application affiche maintenant.
enrol-submit = Activer le deuxième facteur

## Réinitialisation du mot de passe
reset-title = Mot de passe oublié
reset-intro = Entrez l’adresse courriel de votre compte. Nous vous enverrons un lien pour choisir un nouveau mot de passe.
reset-submit = Envoyer le lien
reset-sent = Si un compte existe pour cette adresse, un courriel contenant un lien vient d’être envoyé. Le lien est valide { $minutes } minutes et ne sert qu’une fois.
back-to-sign-in = Retour à la connexion
reset-complete-title = Choisir un nouveau mot de passe
field-new-password = Nouveau mot de passe
field-new-password-hint = Au moins { $min } caractères. Une phrase de passe est plus facile à retenir.
field-confirm-password = Confirmer le nouveau mot de passe
reset-complete-submit = Changer le mot de passe

## Erreurs de formulaire
error-sign-in-failed = L’adresse courriel ou le mot de passe est incorrect, ou le compte est temporairement verrouillé. Réessayez ou réinitialisez votre mot de passe.
error-second-factor-invalid = Ce code n’est pas valide ou a déjà servi. Entrez le code affiché maintenant.
error-session-invalid = Votre session a pris fin. Connectez-vous de nouveau.
error-second-factor-required = Entrez d’abord votre code de vérification.
error-second-factor-not-expected = Aucun code n’est attendu pour cette session. Connectez-vous de nouveau.
error-totp-already-enrolled = Un deuxième facteur est déjà configuré pour ce compte.
error-totp-enrolment-missing = La configuration a expiré. Recommencez à partir du code QR.
error-reset-token-invalid = Ce lien de réinitialisation n’est plus valide (déjà utilisé ou expiré). Demandez-en un nouveau.
error-password-too-short = Le mot de passe doit contenir au moins { $min } caractères.
error-password-too-long = Le mot de passe doit contenir au plus { $max } caractères.
error-password-blank = Le mot de passe ne peut pas être fait que d’espaces.
error-passwords-differ = Les deux mots de passe ne sont pas identiques.
error-required = Ce champ est obligatoire.
error-email-invalid = Entrez une adresse courriel valide, par exemple nom@exemple.ca.
error-form-invalid = Le formulaire n’a pas pu être lu. Réessayez.
error-too-many-attempts = Trop de tentatives depuis votre connexion. Attendez une minute avant de réessayer.
error-server-error = Une erreur est survenue de notre côté. Rien n’a été perdu; réessayez dans un instant.

## Pages d’erreur
error-home = Retour à l’accueil
error-not-found-title = Page introuvable
error-not-found = Cette page n’existe pas, ou vous n’y avez pas accès.
error-forbidden-title = Accès refusé
error-forbidden = Votre rôle ne donne pas accès à cette page.
error-server-title = Erreur du serveur
error-too-many-title = Trop de tentatives
error-form-invalid-title = Formulaire illisible

## Accueil
home-title = Accueil
home-greeting = Bonjour, { $name }
home-roles = Vos rôles :
home-my-accesses = Voyez qui a consulté votre dossier, quand et pourquoi.
home-admin-users = Créez les comptes, attribuez les rôles, désactivez un compte.

## Qui a consulté mon dossier
accesses-title = Qui a consulté mon dossier
accesses-intro = Chaque consultation de votre dossier est enregistrée. Voici qui l’a consulté, quand et ce qui a été fait. Un accès d’urgence (bris de verre) est signalé et vérifié par le responsable de la protection des renseignements personnels.
accesses-none = Personne n’a encore consulté votre dossier.
accesses-caption = Consultations de votre dossier, les plus récentes d’abord
accesses-when = Quand
accesses-who = Qui
accesses-what = Quoi
accesses-outcome = Résultat
accesses-break-glass = Accès d’urgence
accesses-older = Consultations plus anciennes
accesses-application = Application « { $name } »
accesses-unknown-actor = Système ou application autorisée
accesses-record = votre dossier

## Actions journalisées
action-read = Consultation
action-vread = Consultation d’une version antérieure
action-history = Consultation de l’historique
action-search = Recherche
action-create = Ajout
action-update = Modification
action-delete = Suppression
action-export = Exportation ou impression
action-sign-in = Connexion
action-sign-in-failed = Connexion refusée
action-sign-out = Déconnexion
action-sign-out-everywhere = Déconnexion de tous les appareils
action-lock-out = Verrouillage du compte
action-password-reset-request = Demande de réinitialisation du mot de passe
action-password-reset = Réinitialisation du mot de passe
action-totp-enrol = Mise en place du deuxième facteur
action-invitation-use = Utilisation d’une invitation
action-break-glass = Accès d’urgence (bris de verre)
action-break-glass-review-list = Revue des accès d’urgence
action-break-glass-review = Revue d’un accès d’urgence
outcome-success = Effectué
outcome-denied = Refusé
outcome-failed = Échoué

## Rôles
role-patient = Patient
role-caregiver = Proche aidant
role-nurse = Infirmière ou infirmier
role-physician = Médecin
role-specialist = Médecin spécialiste
role-on-call-neurologist = Neurologue de garde
role-therapist = Thérapeute
role-long-term-care-staff = Personnel de soins de longue durée
role-infection-control = Prévention des infections
role-judge = Juge
role-court-clerk = Greffier ou greffière
role-lawyer = Avocat ou avocate
role-privacy-officer = Responsable de la protection des renseignements personnels
role-administrator = Administrateur ou administratrice

## Files de travail
queues-title = Files de travail
queue-mine = Mes tâches
queue-unclaimed = À prendre
queue-empty = Aucune tâche dans cette file.
queue-nobody = Personne
queue-claim = Prendre
queue-assign = Assigner
queue-assign-label = Assigner « { $task } » à
queue-filter-priority = Priorité
queue-filter-all = Toutes
queue-sort = Trier par
queue-sort-priority = Priorité, puis échéance
queue-sort-due = Échéance
queue-sort-newest = Plus récentes
queue-filter-apply = Appliquer
queue-col-priority = Priorité
queue-col-task = Tâche et patient
queue-col-due = Échéance
queue-col-status = Statut
queue-col-owner = Responsable
queue-col-actions = Actions
queue-updated = La file a été mise à jour.
queue-due-in = dans { $time }
queue-overdue-by = en retard de { $time }
duration-minutes = { $m } min
duration-hours = { $h } h { $m } min
duration-days = { $d } j { $h } h
priority-stat = Immédiate
priority-asap = Dès que possible
priority-urgent = Urgente
priority-routine = Routine
task-status-draft = Brouillon
task-status-requested = Demandée
task-status-received = Reçue
task-status-accepted = Acceptée
task-status-rejected = Refusée
task-status-ready = Prête
task-status-cancelled = Annulée
task-status-in-progress = En cours
task-status-on-hold = En attente
task-status-failed = Échouée
task-status-completed = Terminée
task-status-entered-in-error = Saisie par erreur
error-account-not-linked = Votre compte n’est relié à aucun professionnel : il ne peut pas recevoir de tâches. Demandez à l’administrateur de le relier.
error-task-changed = Quelqu’un a modifié cette tâche entre-temps. La file affiche maintenant son état actuel.
error-task-not-claimable = Cette tâche a déjà un responsable ou n’est plus ouverte.
error-task-not-found = Cette tâche n’existe pas ou vous n’y avez pas accès.
error-task-forbidden = Votre rôle ne permet pas de modifier cette tâche.

## Portail du patient
portal-appointments = Mes prochains rendez-vous
portal-appointments-none = Aucun rendez-vous à venir.
portal-with = Avec { $names }
portal-messages = Mes messages
portal-messages-none = Aucun message.
portal-from-care-team = Votre équipe de soins
appointment-status-proposed = Proposé
appointment-status-pending = En attente de confirmation
appointment-status-booked = Confirmé
appointment-status-arrived = Arrivé
appointment-status-fulfilled = Terminé
appointment-status-cancelled = Annulé
appointment-status-noshow = Absence
appointment-status-checked-in = Enregistré
appointment-status-waitlist = Liste d’attente
appointment-what-unspecified = Rendez-vous

## Administration des comptes
admin-users-title = Utilisateurs
admin-users-new = Créer un compte
admin-users-caption = { $count ->
    [0] Aucun compte
    [one] { $count } compte
   *[other] { $count } comptes
}
admin-col-name = Nom et courriel
admin-col-roles = Rôles
admin-col-second-factor = Deuxième facteur
admin-col-status = État
admin-col-actions = Actions
admin-yes = Oui
admin-no = Non
admin-active = Actif
admin-disabled-since = Désactivé depuis le { $date }
admin-enable = Réactiver
admin-disable = Désactiver
admin-reset-second-factor = Réinitialiser le deuxième facteur
admin-done-created = Le compte a été créé.
admin-done-disabled = Le compte a été désactivé; toutes ses sessions ont pris fin.
admin-done-enabled = Le compte a été réactivé.
admin-done-second-factor-reset = Le deuxième facteur a été réinitialisé : la personne en configurera un nouveau à sa prochaine connexion.
admin-new-title = Créer un compte
admin-field-name = Nom affiché
admin-field-password = Mot de passe initial
admin-field-roles = Rôles
admin-field-specialty = Spécialité
admin-field-specialty-hint = Seulement pour un médecin spécialiste (par exemple dermatologie).
admin-field-organisation = Organisation
admin-field-practitioner = Professionnel (Practitioner)
admin-field-practitioner-hint = L’identifiant FHIR du professionnel, pour le personnel.
admin-field-patient = Patient
admin-field-patient-hint = L’identifiant FHIR du dossier, obligatoire pour un compte de patient.
admin-field-related-person = Proche (RelatedPerson)
admin-field-related-person-hint = L’identifiant FHIR du proche aidant, obligatoire pour un compte de proche aidant.
admin-new-submit = Créer le compte
admin-back-to-users = Retour aux utilisateurs
error-not-administrator = Seul un administrateur peut gérer les comptes.
error-cannot-disable-self = Vous ne pouvez pas désactiver votre propre compte.
error-cannot-remove-own-administrator = Vous ne pouvez pas retirer votre propre rôle d’administrateur.
error-last-administrator = Il doit rester au moins un administrateur actif.
error-account-not-found = Ce compte n’existe pas.
error-display-name-invalid = Le nom contient des caractères non permis.
error-display-name-required = Entrez le nom de la personne.
error-email-taken = Un compte utilise déjà cette adresse courriel.
error-locale-unsupported = Langue non prise en charge.
error-patient-id-required = Un compte de patient doit être relié à son dossier.
error-related-person-id-required = Un compte de proche aidant doit être relié à sa fiche de proche.
error-roles-required = Cochez au moins un rôle.
error-role-unknown = Rôle inconnu.
error-specialty-without-specialist = La spécialité ne s’applique qu’au rôle de médecin spécialiste.
error-audit-unavailable = Le journal d’audit est indisponible : rien n’a été changé. Réessayez dans un instant.

## Recherche de patients et dossier (chart)
nav-patients = Patients
home-patients = Trouvez un patient auquel vous avez accès et ouvrez son dossier.
patients-title = Rechercher un patient
patients-intro = Seuls les patients auxquels vous avez accès apparaissent : ceux de vos équipes de soins, ceux qui vous sont assignés et ceux dont vous avez ouvert le dossier en urgence. Chaque recherche est journalisée.
field-patient-query = Nom ou numéro d’assurance maladie
field-patient-query-hint = Par exemple « Gagné » ou « GAGL 4803 1401 ».
patients-submit = Rechercher
patients-caption = Patients trouvés
patients-name = Nom
patients-birth-date = Date de naissance
patients-health-card = Numéro d’assurance maladie
patients-none = Aucun patient auquel vous avez accès ne correspond à cette recherche.
error-query-too-short = Entrez au moins { $min } caractères.
error-query-invalid = Cette recherche n’a pas pu être faite. Entrez un nom ou un numéro d’assurance maladie.
chart-identity = Identité du patient
chart-birth-date = Date de naissance
chart-age = { $years } ans
chart-sex = Sexe
chart-health-card = Numéro d’assurance maladie
chart-not-recorded = Non consigné
sex-male = Masculin
sex-female = Féminin
sex-other = Autre
sex-unknown = Inconnu
chart-allergies = Allergies
chart-allergies-none = Aucune allergie consignée.
chart-criticality-high = criticité élevée
chart-flags = Alertes actives
chart-vitals = Signes vitaux
chart-vitals-none = Aucun signe vital mesuré pour l’instant.
chart-thresholds-note = Les zones ombrées sont les seuils d’alerte (NEWS2 par défaut, en attendant les seuils propres au patient).
chart-timeline = Chronologie
chart-timeline-none = Rien au dossier pour l’instant.
chart-timeline-more = Les { $count } éléments les plus récents sont affichés.
chart-no-summary = (sans description)
chart-label = { $title }, { $period } — nombre de mesures : { $count }
chart-when = Date et heure
kind-encounter = Rencontre
kind-measurement = Mesure
kind-questionnaire = Questionnaire
kind-photo = Photo
kind-note = Note
kind-alert = Alerte
vital-heart-rate = Fréquence cardiaque
vital-blood-pressure = Pression artérielle
vital-systolic = Systolique
vital-diastolic = Diastolique
vital-spo2 = Saturation en oxygène (SpO2)
vital-temperature = Température
vital-weight = Poids
vital-respiratory-rate = Fréquence respiratoire

## Accès d’urgence (bris de verre)
break-glass-title = Dossier non disponible
break-glass-not-open = Ce dossier n’existe pas, ou il n’est pas ouvert pour vous : vous ne faites pas partie de l’équipe de soins de ce patient.
break-glass-heading = Accès d’urgence
break-glass-explain = En cas d’urgence, vous pouvez ouvrir ce dossier en lecture en indiquant pourquoi. L’accès est limité dans le temps, signalé au patient et revu par le responsable de la protection des renseignements personnels.
break-glass-reason = Raison de l’accès d’urgence
break-glass-reason-hint = Décrivez la situation en quelques mots (par exemple : patient inconscient à l’urgence, allergies à vérifier).
break-glass-minutes = Durée de l’accès
break-glass-submit = Ouvrir le dossier en urgence
break-glass-back = Retour à la recherche de patients
break-glass-duration = { $minutes ->
    [60] 1 heure
   *[other] { $minutes } minutes
}
break-glass-duration-hours = { $hours } heures
error-break-glass-reason-required = Indiquez la raison de l’accès d’urgence (quelques mots au moins).
error-break-glass-minutes-invalid = Choisissez une durée proposée.
error-break-glass-too-long = La raison est trop longue (1000 caractères au plus).
error-break-glass-not-clinician = Seul un clinicien peut ouvrir un dossier en urgence.
error-patient-not-found = Aucun dossier ne porte cet identifiant.

# Issue 5 — the patient's own measurements, organisations and sites, editing roles.
nav-my-measurements = Mes mesures
home-my-measurements = Vos signes vitaux mesurés et leur évolution, avec les seuils d’alerte.
measurements-title = Mes mesures
measurements-none = Aucune mesure n’a encore été enregistrée dans votre dossier.
measurements-latest = Mes dernières valeurs
measurements-trends = Évolution
nav-admin-organisations = Organisations
home-admin-organisations = Les organisations et leurs sites; créez-en de nouveaux.
orgs-title = Organisations et sites
orgs-none = Aucune organisation pour l’instant. Créez la première ci-dessous.
orgs-identifier = Identifiant : { $value }
orgs-sites = Sites
orgs-sites-none = Aucun site pour l’instant.
orgs-new-title = Créer une organisation
orgs-field-name = Nom de l’organisation
orgs-field-identifier = Identifiant
orgs-field-identifier-hint = Facultatif, par exemple le numéro d’établissement.
orgs-new-submit = Créer l’organisation
sites-new-title = Créer un site
sites-field-name = Nom du site
sites-field-line = Adresse
sites-field-city = Ville
sites-field-organisation = Organisation
sites-new-submit = Créer le site
orgs-done-organisation = L’organisation a été créée.
orgs-done-site = Le site a été créé.
error-text-too-long = Entrez au plus 200 caractères, sans saut de ligne.
error-organisation-unknown = Cette organisation n’existe pas. Choisissez-en une de la liste.
error-directory-forbidden = Seul un administrateur peut créer des organisations et des sites.
admin-edit-roles = Modifier les rôles
admin-roles-title = Rôles du compte
admin-roles-submit = Enregistrer les rôles
admin-done-roles-saved = Les rôles ont été enregistrés.

## Téléconsultation (numéro 6) : rendez-vous, invitations, consentement, visite
nav-visits = Rendez-vous vidéo
visits-title = Visites vidéo
visits-schedule = Agenda
visits-show = Afficher
visits-no-schedule = Aucun agenda n’est ouvert à la prise de rendez-vous.
visits-book-heading = Prendre un rendez-vous
visits-no-free-slot = Aucune plage libre à venir dans cet agenda.
visits-field-slot = Plage horaire
visits-field-patient = Patient
visits-choose-patient = Choisissez un patient
visits-book = Réserver et envoyer l’invitation
visits-slots-caption = Plages à venir de cet agenda
visits-when = Date et heure
visits-status = État
visits-patient = Patient
visits-slot-free = Libre
visits-slot-busy = Réservée
visits-slot-busy-unavailable = Indisponible
visits-slot-busy-tentative = Réservation provisoire
visits-slot-entered-in-error = Saisie par erreur
visit-title = Visite vidéo
visit-what = Motif
visit-with = Avec
visit-consent = Consentement aux soins à distance
visit-consent-not-required = Non exigé pour ce service
visit-consent-granted = Donné
visit-consent-missing = Jamais donné
visit-consent-withdrawn = Retiré
visit-consent-refused = Refusé
visit-consent-outdated = Donné sur une ancienne version du texte d’information : à redemander
visit-running-heading = Visite en cours
visit-rejoin = Retourner dans la salle
visit-note = Note de visite
visit-outcome = Suite donnée
visit-outcome-follow-up = Nouvelle visite vidéo à prévoir
visit-outcome-completed = Aucune suite nécessaire
visit-outcome-in-person = Voir le patient en personne
visit-outcome-referred = Orienté vers un autre service
visit-end = Terminer la visite et enregistrer la note
visit-start-heading = Commencer la visite
visit-consent-needed = Ce service exige le consentement du patient aux soins à distance. Expliquez-lui le texte d’information ; s’il accepte, enregistrez son consentement avant de commencer.
visit-record-consent = Le patient consent : enregistrer son consentement
visit-start = Commencer la visite vidéo
visit-no-show = Le patient ne s’est pas présenté
visit-cancel = Annuler le rendez-vous
visit-guest-heading = Inviter un proche aidant ou un interprète
visit-guest-explain = La personne reçoit par courriel son propre lien vers cette visite, avec l’entrée d’agenda et les rappels.
visit-guest-name = Nom
visit-guest-email = Courriel
visit-guest-role = Rôle
visit-guest-role-caregiver = Proche aidant
visit-guest-role-interpreter = Interprète
visit-guest-language = Langue des courriels
visit-language-fr = Français
visit-language-en = Anglais
visit-guest-submit = Envoyer l’invitation
visit-back = Retour aux visites vidéo
visit-done-booked = Le rendez-vous est réservé et l’invitation part par courriel.
visit-done-booked-no-email = Le rendez-vous est réservé. Le dossier du patient n’a pas d’adresse courriel : donnez-lui le rendez-vous autrement.
visit-done-consent = Le consentement du patient aux soins à distance est enregistré.
visit-done-invited = L’invitation est envoyée.
visit-done-cancelled = Le rendez-vous est annulé ; le patient et les personnes invitées en sont informés.
visit-done-no-show = L’absence du patient est enregistrée.
visit-done-ended = La visite est terminée et la note est enregistrée.
error-visit-forbidden = Seuls les cliniciens et le personnel soignant gèrent les visites.
error-visit-slot-not-found = Cette plage n’existe pas. Choisissez-en une de la liste.
error-visit-slot-taken = Cette plage vient d’être réservée. Choisissez-en une autre.
error-visit-slot-past = Cette plage est déjà commencée. Choisissez-en une à venir.
error-visit-appointment-not-found = Ce rendez-vous n’existe pas ou ne vous est pas accessible.
error-visit-patient-not-found = Choisissez un patient de la liste.
error-visit-cancelled = Ce rendez-vous est annulé.
error-visit-finished = Cette visite est déjà terminée.
error-visit-not-started = La visite n’est pas commencée.
error-visit-not-due = Le rendez-vous n’a pas encore commencé : l’absence ne peut pas être notée.
error-visit-changed-meanwhile = Le rendez-vous a changé entre-temps. Rechargez la page et réessayez.
error-consent-missing = La visite ne peut pas commencer : ce service exige le consentement du patient aux soins à distance, et il ne l’a jamais donné.
error-consent-withdrawn = La visite ne peut pas commencer : le patient a retiré son consentement aux soins à distance.
error-consent-refused = La visite ne peut pas commencer : le patient a refusé les soins à distance.
error-consent-outdated = La visite ne peut pas commencer : le consentement du patient porte sur une ancienne version du texte d’information. Redemandez-le.
error-visit-note-required = Écrivez la note de visite.
error-visit-note-too-long = La note dépasse 20 000 caractères.
error-visit-outcome-invalid = Choisissez la suite donnée dans la liste.
error-visit-guest-name-invalid = Entrez le nom de la personne (200 caractères au plus).
error-visit-guest-email-invalid = Entrez une adresse courriel valide, par exemple nom@exemple.ca.
visit-mail-what = Visite vidéo
visit-mail-invitation-subject = Relais : votre visite vidéo du { $when }
visit-mail-invitation-body =
    Bonjour { $name },

    Vous êtes invité(e) à une visite vidéo : { $what }, le { $when }.

    Le moment venu, ouvrez ce lien sur un ordinateur, une tablette ou un téléphone avec caméra et micro :

    { $link }

    Ce lien est personnel : ne le transmettez pas. L’entrée d’agenda est jointe à ce courriel.
visit-mail-reminder-subject = Rappel : visite vidéo le { $when }
visit-mail-reminder-body =
    Bonjour { $name },

    Rappel : votre visite vidéo ({ $what }) a lieu dans { $lead }, le { $when }.

    Pour la rejoindre, ouvrez ce lien :

    { $link }
visit-mail-cancel-subject = Annulé : visite vidéo du { $when }
visit-mail-cancel-body =
    Bonjour { $name },

    Votre visite vidéo ({ $what }) du { $when } est annulée. Votre équipe de soins vous proposera un autre moment.
## Video visits (issue 6)
nav-video = Salles vidéo
video-rooms-title = Salles vidéo
video-rooms-explain = Ouvrez une salle de visite vidéo : vous en serez l'hôte. Vous pourrez ensuite y inviter le patient, un proche ou un interprète.
video-rooms-open = Ouvrir une salle
video-room-title = Visite vidéo
video-check-title = Vérification avant d'entrer
video-check-you-are = Vous entrerez sous le nom { $name }.
video-preview-label = Aperçu de votre caméra
video-mic-level = Niveau du micro
video-check-camera = Caméra
video-check-mic = Micro
video-check-network = Connexion au serveur
video-check-ok = fonctionne
video-check-failed = ne fonctionne pas
video-advice-camera-denied = Le navigateur n'a pas accès à la caméra ou au micro. Autorisez-les avec l'icône de caméra dans la barre d'adresse, puis rechargez la page.
video-advice-camera-missing = Aucune caméra ou aucun micro n'a été trouvé. Branchez-les, fermez les autres applications qui les utilisent, puis rechargez la page.
video-advice-mic-silent = Votre micro ne capte aucun son. Vérifiez qu'il n'est pas coupé et qu'il est bien choisi dans les réglages du navigateur.
video-advice-network = La connexion au serveur vidéo a échoué. Essayez un autre réseau (par exemple le Wi-Fi plutôt que le réseau d'un établissement), ou appelez la clinique.
video-join = Entrer
video-join-observe = Entrer comme observateur
video-lobby-title = Salle d'attente
video-lobby-wait = Vous êtes dans la salle d'attente. Le professionnel vous fera entrer sous peu ; gardez cette page ouverte.
video-call-title = L'appel
video-mute-self = Couper mon micro
video-unmute-self = Rétablir mon micro
video-camera-off = Arrêter ma caméra
video-camera-on = Rallumer ma caméra
video-leave = Quitter
video-end = Terminer pour tous
video-waiting-title = En attente d'entrer
video-admit = Faire entrer
video-refuse = Refuser
video-chat-title = Messages
video-chat-label = Message
video-chat-send = Envoyer
video-invite-title = Inviter dans cette salle
video-invitee = Nom de la personne invitée
video-invite-create = Créer le lien
video-invite-link = Lien à transmettre (une seule utilisation)
video-invite-failed = Le lien n'a pas pu être créé. Indiquez le nom de la personne invitée.
video-host-mute = Couper son micro
video-host-stop-camera = Arrêter sa caméra
video-host-remove = Faire sortir
video-you = vous
video-muted = micro coupé
video-camera-stopped = caméra arrêtée
video-connecting = Connexion…
video-in-call = Vous êtes dans l'appel.
video-host-muted-you = L'hôte a coupé votre micro ou votre caméra. Vous pouvez les rétablir.
video-error = Une demande n'a pas abouti.
video-closed-title = L'appel est terminé
video-closed-ended = L'hôte a terminé la visite.
video-closed-removed = L'hôte vous a fait sortir de la salle.
video-closed-refused = L'hôte n'a pas accepté votre entrée.
video-closed-timed-out = La connexion a été perdue trop longtemps.
video-closed-left = Vous avez quitté l'appel.
video-closed-lost = La connexion avec le serveur a été perdue. Rechargez la page pour revenir.
video-not-invited-title = Accès refusé
video-not-invited = Cette salle est réservée aux personnes invitées. Ouvrez le lien d'invitation que vous avez reçu.
video-ended-title = Visite terminée
video-ended = Cette visite vidéo est terminée.
video-unavailable-title = Vidéo indisponible
video-unavailable = Les visites vidéo ne sont pas disponibles sur ce serveur pour le moment.
video-link-invalid-title = Lien non valide
video-link-invalid = Ce lien d'invitation n'est pas valide : il a peut-être expiré, été révoqué ou déjà servi. Demandez un nouveau lien à la clinique.
video-link-not-a-visit = Ce lien n'ouvre pas une visite vidéo.

visits-open-heading = Ouvrir des plages
visits-open-date = Jour
visits-open-time = Début de la première plage
visits-open-time-hint = Heure locale, par exemple 09:00.
visits-open-minutes = Durée de chaque plage (minutes)
visits-open-count = Nombre de plages à la suite
visits-open-count-hint = De 1 à 40.
visits-open-submit = Ouvrir ces plages
visit-done-opened = Les plages sont ouvertes à la réservation.
error-visit-slots-date-invalid = Entrez le jour au format AAAA-MM-JJ, par exemple 2026-12-03.
error-visit-slots-time-invalid = Entrez l’heure au format HH:MM, par exemple 09:00.
error-visit-slots-minutes-invalid = Entrez une durée de 5 à 240 minutes.
error-visit-slots-count-invalid = Entrez un nombre de plages de 1 à 40.
error-visit-slots-past = La première plage commencerait dans le passé. Choisissez un moment à venir.
error-visit-slots-overlap = Ces plages chevaucheraient une plage déjà ouverte à cet horaire. Choisissez un autre moment.
video-join-link-title = Votre visite vidéo
video-join-link-intro = Vous êtes invité·e à une visite vidéo. Le lien ne sert qu'une fois : entrez quand vous êtes prêt·e, depuis l'appareil que vous utiliserez pour la visite.
video-join-link-submit = Rejoindre la visite
video-quality-label = Qualité de la connexion :
video-quality-unknown = en cours de mesure
video-quality-good = bonne
video-quality-fair = moyenne (l'image peut se figer par moments)
video-quality-poor = faible (coupez votre caméra ou rapprochez-vous du Wi-Fi)
video-save-data = Économiser les données
video-save-data-hint = La vidéo des autres arrive en qualité réduite : utile sur un forfait mobile ou une connexion lente.
video-reconnecting = Connexion perdue, reconnexion en cours…
video-closed-replaced = Vous avez rejoint l'appel depuis une autre fenêtre ou un autre appareil.
video-screen-share = Partager l'écran
video-screen-stop = Arrêter le partage d'écran
video-screen-mine = Vous partagez votre écran.
video-screen-by = Écran partagé par { $name }
video-screen-busy = Un seul écran partagé à la fois : { $name } partage déjà le sien.
video-screen-failed = Le partage d'écran n'a pas commencé (refusé, ou impossible avec ce navigateur).
video-screen-moved = Votre partage d'écran s'est arrêté, car vous avez changé de salle.
video-side-title = Apartés
video-side-explain = Pour que quelques personnes se parlent à part (par exemple l'infirmière et le proche aidant), cochez « Choisir pour un aparté » sur leurs vignettes, puis envoyez-les en aparté. Les autres gardent leur appel.
video-side-pick = Choisir pour un aparté
video-side-open = Envoyer en aparté
video-side-none-picked = Cochez d'abord au moins une personne de la salle principale.
video-side-none = Aucun aparté en cours.
video-side = Aparté
video-side-return = Faire revenir
video-side-you = Vous êtes en aparté ; seules ces personnes vous voient et vous entendent :
video-side-leave = Revenir à la salle principale
video-side-away = en aparté
video-side-main = dans la salle principale
# Télésurveillance : les mesures du patient, l’inscription et les seuils, les programmes (issue 7, issue 5)
nav-my-readings = Mes relevés
nav-admin-programs = Programmes
chart-monitoring-link = Télésurveillance : inscription et seuils
readings-title = Mes relevés
readings-advice = Important
readings-not-enrolled = Vous ne suivez pas de programme de télésurveillance. Votre équipe de soins vous inscrit au besoin.
readings-program = Votre programme : { $program }
readings-send = Envoyer
readings-yes = Oui
readings-no = Non
readings-due = À faire aujourd’hui
readings-done = Fait pour aujourd’hui
readings-missed = { $count ->
    [one] { $count } oubli ces 7 derniers jours
   *[other] { $count } oublis ces 7 derniers jours
}
readings-last = dernier : { $when }
readings-never = rien de reçu pour l’instant
readings-range = Attendu entre { $low } et { $high } { $unit }
readings-recorded = Merci, c’est bien reçu. Votre équipe de soins le voit.
readings-form-error = Il manque quelque chose ou une valeur est à revoir ci-dessous. Ce que vous avez tapé est conservé.
homecare-error-missing = Répondez à cette question ou tapez la valeur.
homecare-error-not-an-option = Choisissez une des réponses proposées.
homecare-error-not-a-number = Tapez un nombre, par exemple 72 ou 72,5.
homecare-error-implausible = Cette valeur semble impossible : elle devrait être entre { $low } et { $high } { $unit }. Mesurez de nouveau et vérifiez ce que vous avez tapé.
homecare-title = Télésurveillance
homecare-back = Retour au dossier de { $name }
homecare-enrolled = Programme en cours
homecare-program = Programme
homecare-since = Depuis
homecare-devices = Appareils
homecare-no-device = aucun
homecare-devices-hint = Numéros de série des appareils remis au patient, un par ligne (facultatif).
homecare-discharge = Mettre fin au programme
homecare-overrides = Les seuils de ce patient
homecare-overrides-none = Ce patient suit les seuils du programme.
homecare-rule = Règle
homecare-limit = Seuil du patient
homecare-default-limit = Seuil du programme
homecare-reason = Raison
homecare-set-by = Fixé par
homecare-actions = Actions
homecare-remove = Retirer
homecare-new-limit = Nouveau seuil
homecare-limit-hint = Écrit comme dans le programme : un opérateur puis un nombre, par exemple « > 120 » ou « <= 88 ».
homecare-set-limit = Fixer le seuil de ce patient
homecare-enrol-heading = Inscrire à un programme
homecare-not-enrolled = Ce patient ne suit aucun programme de télésurveillance.
homecare-enrol = Inscrire
homecare-done-enrolled = Le patient est inscrit. Il voit ses formulaires sous « Mes relevés ».
homecare-done-discharged = Le programme du patient est terminé; ses appareils sont libérés.
homecare-done-override = Le seuil du patient est enregistré. Il s’applique dès le prochain relevé.
homecare-done-removed = Le seuil a été retiré : celui du programme s’applique de nouveau.
homecare-done-enrolled-invited = Le patient est inscrit. Il recevra un courriel avec ses consignes et le lien vers « Mes relevés ».
homecare-done-enrolled-no-address = Le patient est inscrit, mais aucune invitation n’a pu lui être envoyée : son dossier n’a pas d’adresse courriel. Donnez-lui ses consignes et le lien vers « Mes relevés » vous-même.
homecare-mail-enrolled-subject = Votre suivi à domicile : { $program }
homecare-mail-enrolled-body =
    Bonjour { $name },

    Votre équipe de soins vous a inscrit(e) au programme de suivi à domicile « { $program } ».

    Ce qu’on vous demande :
    { $items }

    Envoyez vos mesures et vos réponses sur la page « Mes relevés » :

    { $link }

    Pas encore de compte Relais ? Choisissez votre mot de passe avec ce lien personnel (valable { $days } jours, une seule fois; ne le transférez à personne) :

    { $account_link }

    Si vous avez déjà un compte, connectez-vous simplement.
welcome-title = Créer votre compte
welcome-intro = Choisissez le mot de passe de votre compte Relais. Vous pourrez ensuite envoyer vos relevés et vous connecter avec votre adresse courriel.
welcome-submit = Créer mon compte
welcome-invalid-title = Lien non valide
welcome-invalid = Ce lien ne permet plus de créer un compte : il a déjà servi, il a expiré ou il a été annulé. Si vous avez déjà un compte, connectez-vous; sinon, demandez un nouveau lien à votre équipe de soins.
welcome-account-exists = Un compte existe déjà pour votre adresse courriel. Connectez-vous avec lui.
welcome-no-email = Votre dossier n’a plus d’adresse courriel : demandez à votre équipe de soins de créer votre compte.
homecare-escalated-note = Non pris en charge dans les { $minutes } min : transmis à { $assignee }.
homecare-mail-item-daily = – { $what } : une fois par jour
homecare-mail-item = – { $what } : une fois toutes les { $hours } heures
error-unknown-program = Choisissez un des programmes proposés.
error-already-enrolled = Ce patient suit déjà un programme. Mettez-y fin d’abord.
error-device-serial-invalid = Un numéro de série est trop long ou contient un caractère non permis.
error-too-many-devices = Dix appareils au plus par inscription.
error-not-enrolled = Ce patient ne suit aucun programme de télésurveillance.
error-limit-invalid = Écrivez un opérateur puis un nombre, par exemple « > 120 ».
error-reason-required = Donnez la raison du seuil de ce patient (1000 caractères au plus).
error-rule-not-overridable = Choisissez une des règles proposées.
programs-title = Programmes de télésurveillance
programs-id = Identifiant
programs-version = Version
programs-source = Provenance
programs-source-default = fourni avec Relais
programs-source-file = fichier du dossier de données { $file }
programs-measurements = Mesures
programs-name = Nom
programs-unit = Unité
programs-every = Fréquence
programs-plausible = Valeurs plausibles
programs-hours = toutes les { $hours } h
programs-questionnaires = Questionnaires
programs-rules = Règles et seuils
programs-rule = Règle
programs-condition = Condition
programs-severity = Gravité
programs-advice = Conseil au patient
programs-building-block = utilisée seulement par des règles composées
programs-advice-texts = Textes de conseil
programs-escalation = Escalade
programs-how-to-change = Les programmes en vigueur. Un administrateur modifie les seuils, les fréquences et les textes d'un programme avec le bouton « Modifier » : la modification est vérifiée, enregistrée dans { $folder } avec une nouvelle version, et s'applique à la mesure suivante, sans redémarrage.
programs-edit-link = Modifier « { $program } »
programs-edit-title = Modifier le programme « { $program } »
programs-edit-back = Retour aux programmes
programs-edit-how = Ce formulaire part de la version { $version }. À l'enregistrement, le programme et chaque règle modifiée passent à la version suivante, le fichier du dossier de données est réécrit, et la mesure suivante de chaque patient est évaluée selon les nouvelles valeurs. Les alertes déjà levées gardent leur version. La structure des règles ne se modifie pas ici.
programs-edit-every-hours = Fréquence (heures)
programs-edit-plausible-low = Valeur plausible la plus basse
programs-edit-plausible-high = Valeur plausible la plus haute
programs-edit-when = Seuil (avec son opérateur, p. ex. > 160)
programs-edit-window-hours = Fenêtre (heures)
programs-edit-min-readings = Mesures au minimum
programs-edit-within-hours = Dans les (heures)
programs-edit-after-hours = Après (heures sans données)
programs-edit-set-window-minutes = Série de mesures (minutes)
programs-edit-severity = Gravité
programs-edit-after-minutes = Délai avant escalade (minutes)
programs-edit-text-fr = Texte en français
programs-edit-text-en = Texte en anglais
programs-edit-save-title = Enregistrer la modification
programs-edit-reason = Raison de la modification
programs-edit-reason-hint = Obligatoire. Elle est conservée au journal d'audit avec votre nom et les versions.
programs-edit-save = Enregistrer une nouvelle version
programs-edit-saved = Programme « { $program } » enregistré : version { $version }, en vigueur dès maintenant.
programs-error-fields = Le programme n'a pas été modifié. Corrigez les champs signalés ci-dessous.
programs-error-limit-invalid = Écrivez le seuil avec son opérateur puis un nombre, par exemple > 160, >= 135, < 4.0 ou <= 90.
programs-error-whole-number = Tapez un nombre entier, 1 ou plus.
programs-error-number = Tapez un nombre, par exemple 20 ou 72,5.
programs-error-plausible-invalid = La valeur la plus basse doit être plus petite que la plus haute.
programs-error-text-required = Ce texte ne peut pas être vide.
programs-error-severity-invalid = Choisissez une gravité de la liste.
programs-error-not-editable = Cette valeur ne se modifie pas ici.
programs-error-program-invalid = Le programme modifié ne serait pas valide ; rien n'a été enregistré.
programs-error-reason-required = Dites pourquoi le programme change (1000 caractères au plus).
programs-error-program-stale = Quelqu'un a enregistré une nouvelle version de ce programme depuis l'ouverture de ce formulaire ; rien n'a été enregistré. Ouvrez le formulaire de nouveau pour partir de cette version ; ce que vous avez tapé reste affiché ici.
programs-error-program-unchanged = Aucune valeur n'a changé : rien n'a été enregistré.
programs-error-programs-read-only = Ce serveur n'a pas de dossier de données pour les programmes : ils ne se modifient pas ici.
programs-error-programs-folder-invalid = Un autre fichier du dossier des programmes est invalide ; rien n'a été enregistré. Voyez le journal du serveur.
programs-error-program-not-written = Le fichier du programme n'a pas pu être écrit ; rien n'a changé.
homecare-severity-low = faible
homecare-severity-moderate = modérée
homecare-severity-high = élevée
## Triage des alertes de télésurveillance (issue 7)
nav-triage = Triage
triage-title = Triage des alertes
triage-intro = Alertes ouvertes de télésurveillance des patients que vous suivez, les plus graves d’abord, puis les plus anciennes. La liste se met à jour d’elle-même.
triage-open-alerts = Alertes ouvertes
triage-empty = Aucune alerte ouverte.
triage-updated = Les alertes ont été mises à jour.
triage-col-severity = Gravité
triage-col-alert = Alerte et patient
triage-col-since = Depuis
triage-waiting = depuis { $time }
triage-acknowledge = Prendre en charge
triage-call = Appel
triage-call-note = Note d’appel
triage-call-record = Enregistrer l’appel
triage-video = Visite vidéo
triage-resolve = Clore
triage-outcome = Issue
triage-outcome-choose = Choisir…
triage-note = Note
triage-resolve-submit = Clore l’alerte
triage-outcome-advice-given = Conseils donnés
triage-outcome-treatment-adjusted = Traitement ajusté
triage-outcome-escalated = Transmise au médecin
triage-outcome-emergency = Orienté vers l’urgence
triage-outcome-no-action-needed = Aucune action requise
severity-high = Élevée
severity-moderate = Modérée
severity-low = Faible
error-outcome-required = Choisissez l’issue.
error-note-required = Dites en une note à qui et pourquoi l’alerte est transmise.
error-note-too-long = La note dépasse 2000 caractères.
error-alert-not-open = Cette alerte est déjà close.
triage-done-acknowledged = Alerte prise en charge.
triage-done-called = Appel enregistré.
triage-done-resolved = Alerte close.
## Cohorte de télésurveillance (issue 7)
nav-cohort = Cohorte
triage-to-cohort = Voir la cohorte : risque, observance et tendances de chaque patient suivi
cohort-title = Cohorte en télésurveillance
cohort-intro = Les patients inscrits que vous suivez, les plus à risque d’abord : alertes ouvertes (les plus graves d’abord), puis le score NEWS2 le plus élevé, puis l’observance la plus faible. L’observance compte les périodes des 7 derniers jours où une mesure est arrivée, sur celles que le programme attend. Les zones ombrées des graphiques sont les seuils d’alerte du programme ou ceux fixés pour le patient.
cohort-to-triage = Aller aux alertes ouvertes
cohort-patients = Patients inscrits
cohort-empty = Aucun patient inscrit parmi ceux que vous suivez.
cohort-program = Programme
cohort-alerts = Alertes ouvertes
cohort-alerts-none = Aucune
cohort-news2 = NEWS2 (dernière série)
cohort-news2-value = { $total } (risque { $band })
cohort-news2-none = Aucune série complète cette semaine
cohort-news2-not-scored = Non calculé par ce programme
cohort-band-low = faible
cohort-band-low-medium = faible à moyen
cohort-band-medium = moyen
cohort-band-high = élevé
cohort-adherence = Observance (7 jours)
cohort-adherence-value = { $received } sur { $due } attendues ({ $percent } %)
cohort-adherence-none = Rien d’attendu encore
cohort-last = Dernière mesure
cohort-last-none = Aucune cette semaine
cohort-thresholds-link = Inscription et seuils
cohort-limit = Alerte
cohort-limit-own = Alerte (seuil du patient)
cohort-chart-summary = Dernière valeur : { $last } { $unit } ({ $when }) ; étendue sur 7 jours : { $range } { $unit } ; { $received } sur { $due } attendues.
cohort-chart-empty = Aucune mesure sur 7 jours ; { $received } sur { $due } attendues.
## Jetons des appareils à domicile (issue 7)
nav-admin-devices = Appareils
devices-title = Jetons des appareils à domicile
devices-intro = Un appareil prêté à un patient (balance, tensiomètre, oxymètre, passerelle) envoie ses mesures avec un jeton. Donnez l’identifiant ou le numéro de série de l’appareil pour voir ses jetons, en émettre un ou en révoquer un. Un jeton n’est montré qu’une fois, à son émission ; seule son empreinte est conservée. Chaque émission et révocation est journalisée.
devices-field-device = Identifiant ou numéro de série de l’appareil
devices-field-device-hint = L’identifiant de sa ressource Device, ou le numéro de série donné à l’inscription du patient.
devices-show = Afficher ses jetons
devices-tokens-of = Jetons de l’appareil
devices-tokens-none = Cet appareil n’a aucun jeton.
devices-col-label = Libellé
devices-col-issued = Émis le
devices-col-state = État
devices-no-label = (sans libellé)
devices-state-active = actif
devices-state-revoked = révoqué le { $when }
devices-revoke = Révoquer
devices-field-label = Libellé du nouveau jeton
devices-field-label-hint = Facultatif : où se trouve l’appareil, par exemple « balance, salon ».
devices-issue = Émettre un jeton
devices-issued-title = Nouveau jeton
devices-issued-once = Copiez ce jeton maintenant dans l’appareil : il ne sera plus jamais affiché.
devices-issued-token = Jeton
devices-done-issued = Le jeton est émis.
devices-done-revoked = Le jeton est révoqué : l’appareil est refusé dès maintenant.
error-device-unknown = Aucun appareil n’a cet identifiant.
error-device-label-invalid = Le libellé dépasse 100 caractères ou contient un caractère de contrôle.
error-device-token-unknown = Ce jeton n’existe pas ou était déjà révoqué.
## File de vérification des relevés (issue 7)
triage-review-badge = { $count ->
    [one] 1 relevé à vérifier
   *[other] { $count } relevés à vérifier
}
review-title = Relevés à vérifier
review-intro = Relevés reçus que le programme n’a pas pu compter (valeur invraisemblable, unité inconnue, mesure hors programme, valeur illisible), des patients que vous suivez, les plus récents d’abord. Acceptez une valeur invraisemblable réellement mesurée pour qu’elle compte, ou marquez le relevé comme saisi par erreur.
review-waiting = Relevés en attente
review-empty = Aucun relevé à vérifier.
review-empty-older = Aucun relevé plus ancien.
review-older = Relevés plus anciens
review-newest = Revenir aux relevés les plus récents
review-col-reading = Relevé et patient
review-col-reason = Motif
review-col-measured = Mesuré le
review-device = Appareil : { $device }
review-accept = Accepter comme mesuré
review-error = Saisi par erreur
review-note = Note (obligatoire)
review-error-submit = Marquer comme saisi par erreur
review-reason-implausible = Valeur invraisemblable
review-reason-unit = Unité non convertible
review-reason-unknown-code = Mesure hors programme
review-reason-not-a-number = Valeur illisible
review-not-acceptable = Le programme ne peut pas lire ce relevé : il ne peut pas être accepté, seulement marqué comme saisi par erreur.
review-done-accepted = Relevé accepté : il compte désormais et le patient a été réévalué.
review-done-entered-in-error = Relevé marqué comme saisi par erreur.
error-review-note-required = Expliquez en une note pourquoi ce relevé est erroné.
error-review-note-too-long = La note dépasse 1000 caractères.
error-review-not-acceptable = Seule une valeur invraisemblable peut être acceptée comme mesurée.
error-review-already-done = Ce relevé a déjà été vérifié par { $by }.
error-review-changed = Ce relevé a changé depuis que vous l’avez ouvert. La liste affiche maintenant son état actuel.
error-review-not-found = Ce relevé n’existe pas ou ne vous est pas accessible.
error-review-forbidden = Vous ne pouvez pas modifier ce relevé.
error-review-page-gone = Cette page de la liste n’existe plus : voici les relevés les plus récents.
